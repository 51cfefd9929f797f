// The tests use throwaway PostgreSQL clusters as they use temporary directories.
@_exported public import LedgerClusters
