/// The read model's schema changes, in the order they apply. Each `NNNN_name.sql` here is
/// compiled into the binary (Package.swift lists it with `.embedInCode`), so the tools need no
/// files at run time. To add one: write the next NNNN file, list it in Package.swift and below;
/// a test checks that every .sql file in this folder is listed.
public enum Migrations {
    public static let all: [(version: Int, name: String, sql: [UInt8])] = [
        (1, "0001_initial", PackageResources._001_initial_sql),
        (2, "0002_feedback_corrections", PackageResources._002_feedback_corrections_sql),
        (3, "0003_interaction_requests", PackageResources._003_interaction_requests_sql),
        (4, "0004_trigger", PackageResources._004_trigger_sql),
        (5, "0005_buffer", PackageResources._005_buffer_sql),
        (6, "0006_lora_pool", PackageResources._006_lora_pool_sql),
    ]

    /// The PostgreSQL event store's schema changes (`postgres/`), recorded in its
    /// `gesal_schema_migrations` table the same way.
    public static let postgres: [(version: Int, name: String, sql: [UInt8])] = [
        (1, "0001_event_store", PackageResources._001_event_store_sql),
    ]
}
