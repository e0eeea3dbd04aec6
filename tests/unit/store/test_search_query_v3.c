/* test_search_query.c's tests on a database written at schema 3 (0002's index layout) and migrated
 * to the lean index (0004) when the store opens it: every answer must be the same. */
#define SEARCH_DATA_V3 1
#include "test_search_query.c"
