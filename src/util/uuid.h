/* Random identifiers. */
#ifndef REGIE_UTIL_UUID_H
#define REGIE_UTIL_UUID_H

#define UUID_STR_LEN 37 /* 36 characters and the NUL */

/* Writes a random (version 4) UUID in lower-case text form into out. Returns 0, -1 if the system
 * random source failed. */
int uuid_v4(char out[UUID_STR_LEN]);

#endif
