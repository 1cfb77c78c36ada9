-- Creates the database of the CDC source's opt-in test tier and enables change data capture on it.
-- Idempotent. Run as a sysadmin (docker compose run --rm sqlserver-init, or sqlcmd -i deploy/sql/enable-cdc.sql).
-- The SQL Server Agent must be running (MSSQL_AGENT_ENABLED=true): it runs the capture and cleanup jobs.
IF DB_ID(N'TributaryCdc') IS NULL CREATE DATABASE TributaryCdc;
GO
USE TributaryCdc;
GO
IF (SELECT is_cdc_enabled FROM sys.databases WHERE name = N'TributaryCdc') = 0 EXEC sys.sp_cdc_enable_db;
GO
-- Capture every second (default 5 s) so tests see changes quickly; keep changes 3 days (the default).
EXEC sys.sp_cdc_change_job @job_type = N'capture', @pollinginterval = 1;
EXEC sys.sp_cdc_stop_job @job_type = N'capture';
EXEC sys.sp_cdc_start_job @job_type = N'capture';
GO
-- Snapshot isolation lets a snapshot read a consistent table without blocking writers (optional).
ALTER DATABASE TributaryCdc SET ALLOW_SNAPSHOT_ISOLATION ON;
GO
-- A login with only what the source needs: SELECT on the cdc schema (change functions, change_tables, captured
-- columns, lsn_time_mapping) and on the source tables (for snapshots). No write permission anywhere.
IF SUSER_ID(N'tributary_cdc') IS NULL CREATE LOGIN tributary_cdc WITH PASSWORD = N'Tributary-Cdc-1!', CHECK_POLICY = OFF;
IF USER_ID(N'tributary_cdc') IS NULL CREATE USER tributary_cdc FOR LOGIN tributary_cdc;
GRANT SELECT ON SCHEMA::cdc TO tributary_cdc;
GRANT SELECT ON SCHEMA::dbo TO tributary_cdc;
GRANT VIEW DATABASE STATE TO tributary_cdc;
GO
-- The tables the source's acceptance tests use are created by the tests themselves (each test its own table,
-- enabled with sys.sp_cdc_enable_table). This one is an example for trying the source by hand:
IF OBJECT_ID(N'dbo.Orders') IS NULL
  CREATE TABLE dbo.Orders (
    id int NOT NULL PRIMARY KEY,
    customer nvarchar(100) NULL,
    total decimal(18, 2) NULL,
    placed datetime2(7) NOT NULL DEFAULT SYSUTCDATETIME()
  );
GO
IF NOT EXISTS (SELECT 1 FROM cdc.change_tables WHERE capture_instance = N'dbo_Orders')
  EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'Orders', @role_name = NULL, @supports_net_changes = 0;
GO
