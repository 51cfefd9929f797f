import EventLog
import EventLogLMDB
import LedgerTesting

/// Opens a store in the current test's temporary directory.
func openStore(_ name: String = "store", _ configuration: LMDBEventStore.Configuration = .init()) throws -> LMDBEventStore {
    try LMDBEventStore(path: TemporaryDirectory.path + "/" + name, configuration: configuration)
}
