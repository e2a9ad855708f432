-- The portal's application user: it reads and writes rows, and nothing more. It is no
-- superuser, owns no table (so it can neither change the schema nor switch off the audit
-- record's append-only triggers) and cannot create roles or databases. Migrations run as the
-- database's owner; every table and sequence they create is granted to the application user
-- through the default privileges set here.
--
-- Run as a superuser or as the owner of the database, once per database; running it again
-- changes nothing but the password:
--
--   psql -d dvc -v owner=dvc -v app=dvc_app -v app_password="$POSTGRES_APP_PASSWORD" \
--        -f docker/postgres/app-role.sql
--
-- docker-compose runs it at the first start of the database (docker/postgres/initdb.sh).
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'app')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec

ALTER ROLE :"app" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'app_password';

SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), :'app') \gexec
GRANT USAGE ON SCHEMA public TO :"app";
-- Only the owner creates objects in the schema (PostgreSQL 15 and later: already the default).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- What exists already (an installation that ran as the owner until now) ...
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
-- ... and what the owner's migrations create from now on.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app";
