/* Transaction Bundles in the crash test: three resources with client ids in one transaction, so
 * after a SIGKILL an unacknowledged transaction must be there entirely or not at all. */
#ifndef REGIE_TESTS_CRASH_TX_H
#define REGIE_TESTS_CRASH_TX_H

#include <curl/curl.h>

#include "../scenario/client.h"
#include "crash_ledger.h"

#define CRASH_TX_PREFIX_MAX 48

enum crash_tx_result {
    CRASH_TX_ACKED,   /* 200 and every entry 201: the three resources are in acks */
    CRASH_TX_UNKNOWN, /* no answer (the server died): prefix names the resources to check */
    CRASH_TX_REFUSED  /* an answer other than success: r holds it */
};

/* Posts one transaction for writer thread/cycle/seq. */
enum crash_tx_result crash_tx_write(CURL *curl, const char *base, int thread, int cycle, long seq,
                                    struct ledger *acks, char *prefix, struct client_resp *r);

/* For each prefix of a transaction whose outcome is unknown: all three resources exist or none.
 * Prints each violation; returns their number. */
size_t crash_tx_check_unknown(CURL *curl, const char *base, char (*prefixes)[CRASH_TX_PREFIX_MAX],
                              size_t n);

#endif
