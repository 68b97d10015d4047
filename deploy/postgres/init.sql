-- First start of the compose PostgreSQL volume: one database per service that has data.
-- `cim migrate` also creates any that are missing (shared.migrations.ensure_database), so this
-- file only makes the layout visible; keep the two lists in step.
CREATE DATABASE cim_registration;
CREATE DATABASE cim_activities;
CREATE DATABASE cim_approvals;
CREATE DATABASE cim_ceremony;
CREATE DATABASE cim_certificates;
CREATE DATABASE cim_notifications;
CREATE DATABASE cim_campus;
