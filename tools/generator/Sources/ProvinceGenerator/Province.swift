public import DossierDomain

/// The demo province's catalogs: a provincial centre and departments, two districts abolished
/// on 2025-06-30 with their successor communes, ten communes, officers and about thirty
/// procedures with realistic limits.
public struct Province: Sendable {
    public let units: [Unit]
    public let procedures: [Procedure]
    public let officers: [Officer]
    let routes: [String: Route]

    /// Where a procedure is received and decided.
    enum Route: Sendable {
        /// At the commune (civil status, certification).
        case commune
        /// At a district's department until the reorganisation, at the commune after it.
        case district(department: String)
        /// At the provincial centre, decided by a department.
        case province(department: String)
    }

    static let start = LocalDate(year: 2021, month: 1, day: 1)
    /// The last day of the districts (the 2025 reorganisation).
    public static let districtsEnd = LocalDate(year: 2025, month: 6, day: 30)
    static let communesAfter = LocalDate(year: 2025, month: 7, day: 1)

    public static let communes = (1...10).map { "H19.X\($0 < 10 ? "0" : "")\($0)" }
    static let districts = ["H19.17", "H19.18"]
    static let departments = ["H19.STP", "H19.STNMT", "H19.SKHDT", "H19.SXD", "H19.SLDTBXH", "H19.SYT"]
    static let districtDepartments = ["TP", "TNMT", "TCKH"]

    public init() {
        var units: [Unit] = []
        let always = Validity(from: Province.start)
        let districtYears = Validity(from: Province.start, to: Province.districtsEnd)
        units.append(Unit(code: "H19", name: "UBND tỉnh", level: .province, validity: always))
        units.append(Unit(code: "H19.TTHCC", name: "Trung tâm Phục vụ hành chính công tỉnh", level: .desk, parent: "H19", validity: always))
        let departmentNames = ["Sở Tư pháp", "Sở Tài nguyên và Môi trường", "Sở Kế hoạch và Đầu tư", "Sở Xây dựng",
                               "Sở Lao động - Thương binh và Xã hội", "Sở Y tế"]
        for (code, name) in zip(Province.departments, departmentNames) {
            units.append(Unit(code: code, name: name, level: .department, parent: "H19", validity: always))
        }
        for (index, district) in Province.districts.enumerated() {
            // The district's seat commune takes over its desk and departments.
            let seat = Province.communes[index * 5]
            units.append(Unit(code: district, name: "UBND huyện \(index == 0 ? "Đông" : "Tây")", level: .district, parent: "H19",
                              validity: districtYears, successor: seat))
            units.append(Unit(code: district + ".MC", name: "Bộ phận Một cửa huyện", level: .desk, parent: district,
                              validity: districtYears, successor: seat))
            for department in Province.districtDepartments {
                units.append(Unit(code: district + "." + department, name: "Phòng \(department)", level: .department, parent: district,
                                  validity: districtYears, successor: seat))
            }
            for commune in Province.communes[(index * 5)..<(index * 5 + 5)] {
                // Each commune hangs under its district until the reorganisation, then under the province.
                let hours: OfficeHours? = commune == "H19.X03" ? try? OfficeHours(["07:30", "11:30"], ["13:00", "17:00"]) : nil
                units.append(Unit(code: commune, name: "UBND xã \(commune.suffix(2))", level: .commune, parent: district,
                                  validity: districtYears, officeHours: hours))
                units.append(Unit(code: commune, name: "UBND xã \(commune.suffix(2))", level: .commune, parent: "H19",
                                  validity: Validity(from: Province.communesAfter), officeHours: hours))
            }
        }
        self.units = units

        var procedures: [Procedure] = []
        var routes: [String: Route] = [:]
        func add(_ code: String, _ name: String, _ limit: Limit, _ route: Route) {
            procedures.append(Procedure(code: code, name: name, limit: limit, validity: always))
            routes[code] = route
        }
        add("2.000815", "Chứng thực bản sao từ bản chính", .sameDay, .commune)
        add("2.000884", "Chứng thực chữ ký", .sameDay, .commune)
        add("1.001193", "Đăng ký khai sinh", .sameDay, .commune)
        add("1.000656", "Đăng ký khai tử", .sameDay, .commune)
        add("1.003583", "Cấp bản sao trích lục hộ tịch", .sameDay, .commune)
        add("2.000908", "Chứng thực bản sao điện tử", .hours(4), .commune)
        add("1.002005", "Xác nhận thông tin hộ tịch", .hours(8), .commune)
        add("1.000894", "Đăng ký kết hôn", .workingDays(5), .commune)
        add("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", .workingDays(3), .commune)
        add("2.001035", "Chứng thực hợp đồng, giao dịch", .workingDays(2), .commune)
        add("1.000689", "Đăng ký giám hộ", .workingDays(3), .commune)
        add("1.001766", "Thay đổi, cải chính hộ tịch", .workingDays(3), .commune)
        add("1.004227", "Đăng ký nhận cha, mẹ, con", .workingDays(3), .commune)
        add("1.004082", "Đăng ký biến động quyền sử dụng đất", .workingDays(10), .district(department: "TNMT"))
        add("1.004203", "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu", .workingDays(20), .district(department: "TNMT"))
        add("1.004177", "Chuyển mục đích sử dụng đất", .workingDays(15), .district(department: "TNMT"))
        add("1.004199", "Tách thửa, hợp thửa đất", .workingDays(15), .district(department: "TNMT"))
        add("1.004206", "Đính chính Giấy chứng nhận", .workingDays(10), .district(department: "TNMT"))
        add("1.004217", "Cung cấp thông tin đất đai", .workingDays(8), .district(department: "TNMT"))
        add("2.000720", "Đăng ký hộ kinh doanh", .workingDays(3), .district(department: "TCKH"))
        add("1.005386", "Cấp giấy phép xây dựng nhà ở riêng lẻ", .calendarDays(15), .district(department: "TP"))
        add("1.001612", "Trợ cấp xã hội hàng tháng", .workingDays(7), .district(department: "TP"))
        add("2.001610", "Đăng ký thành lập doanh nghiệp", .workingDays(3), .province(department: "H19.SKHDT"))
        add("2.002040", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", .workingDays(3), .province(department: "H19.SKHDT"))
        add("1.001233", "Cấp Phiếu lý lịch tư pháp", .calendarDays(10), .province(department: "H19.STP"))
        add("1.009972", "Cấp giấy phép xây dựng công trình", .calendarDays(20), .province(department: "H19.SXD"))
        add("1.004415", "Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", .workingDays(10), .province(department: "H19.SYT"))
        add("1.000046", "Cấp giấy phép lao động cho người nước ngoài", .workingDays(5), .province(department: "H19.SLDTBXH"))
        add("1.003007", "Cấp giấy phép môi trường", .workingDays(15), .province(department: "H19.STNMT"))
        add("1.002179", "Cấp chứng chỉ hành nghề", .hours(40), .province(department: "H19.SYT"))
        self.procedures = procedures
        self.routes = routes

        var officers: [Officer] = []
        var seen: Set<String> = []
        for unit in units where seen.insert(unit.code).inserted {
            func add(_ prefix: String, _ count: Int) {
                for n in 0..<count {
                    officers.append(Officer(id: "\(prefix).\(unit.code.lowercased()).\(n + 1)", name: "Cán bộ \(unit.code) số \(n + 1)", unit: unit.code))
                }
            }
            switch unit.level {
            case .province, .district: break
            case .desk: add("cb", 3)
            case .department: add("cv", 4)
            case .commune: add("cb", 2); add("cv", 2)
            }
        }
        self.officers = officers
    }

    /// Every catalog entry, in the order they are recorded.
    public var entries: [CatalogEntry] {
        procedures.map(CatalogEntry.procedure) + units.map(CatalogEntry.unit) + officers.map(CatalogEntry.officer)
    }

    /// The rules the generator computes dues with (the same the store will use).
    public var rules: DomainRules {
        var rules = DomainRules()
        for entry in entries {
            do { try entry.apply(to: &rules) } catch { preconditionFailure("the demo catalog is inconsistent: \(error)") }
        }
        return rules
    }

    func officers(of unit: String, prefix: String) -> [String] {
        officers.filter { $0.unit == unit && $0.id.hasPrefix(prefix + ".") }.map(\.id)
    }
}
