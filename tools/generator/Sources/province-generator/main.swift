import Foundation
import ProvinceGenerator

/// province-generator [--dossiers N] [--seed S] [--out DIR] [--corrections R]: the demo province's
/// catalogs and events (see ProvinceGenerator), with a share R of dossiers corrected (0.005 by
/// default). Deterministic: the same seed, size and share give the same files.
let usage = "usage: province-generator [--dossiers N] [--seed S] [--out DIR] [--corrections R]"
var options = ProvinceGenerator.Options()
var directory = "demo-province"
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { FileHandle.standardError.write(Data("\(usage)\n".utf8)); exit(2) }
    switch flag {
    case "--dossiers" where Int(value).map { $0 > 0 } ?? false: options.dossiers = Int(value) ?? 0
    case "--seed" where UInt64(value) != nil: options.seed = UInt64(value) ?? 0
    case "--out": directory = value
    case "--corrections" where Double(value).map { (0...1).contains($0) } ?? false: options.corrections = Double(value) ?? 0
    default: FileHandle.standardError.write(Data("province-generator: bad option \(flag) \(value)\n\(usage)\n".utf8)); exit(2)
    }
}
do {
    let start = ContinuousClock.now
    let (dossiers, events) = try ProvinceGenerator(options: options).write(to: directory)
    print("province-generator: \(dossiers) dossiers, \(events) events in \(directory) (\(ContinuousClock.now - start))")
} catch {
    FileHandle.standardError.write(Data("province-generator: \(error)\n".utf8))
    exit(1)
}
