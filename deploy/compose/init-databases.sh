#!/bin/bash
# First start of the PostgreSQL container only: one login role and one database per service, each
# owned by its service's role and closed to everyone else (database per service).
set -euo pipefail

for service in suppliers catalogue accreditation training hub partners assistant assurance; do
  password_variable="${service^^}_DB_PASSWORD"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v service="$service" -v password="${!password_variable}" <<'SQL'
CREATE ROLE :"service" LOGIN PASSWORD :'password';
CREATE DATABASE :"service" OWNER :"service";
REVOKE ALL ON DATABASE :"service" FROM PUBLIC;
SQL
done
