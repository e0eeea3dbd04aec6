/* The schema migrations, embedded at build time from src/store/schema/NNNN-*.sql (see
 * embed-schema.cmake). Step i (from 1) brings a database from user_version i-1 to i. */
#ifndef REGIE_STORE_SQLITE_SCHEMA_H
#define REGIE_STORE_SQLITE_SCHEMA_H

struct store_sq_schema_step {
    unsigned version;
    const char *name;
    const char *sql;
};

/* Ordered by version, terminated by an all-zero entry. */
extern const struct store_sq_schema_step store_sq_schema_steps[];
extern const unsigned store_sq_schema_nsteps;

#endif
