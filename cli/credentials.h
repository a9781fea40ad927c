/*
 * The bearer token: from A2A_RECOVER_TOKEN or --token-file, never from argv. The token is
 * kept in one owned buffer that credentials_free() wipes.
 */
#ifndef A2A_CREDENTIALS_H
#define A2A_CREDENTIALS_H

#include "error.h"

struct credentials {
    char *token; /* owned; NULL when none is configured */
};

/* 1 when a token is given (token_file, or A2A_RECOVER_TOKEN set and not empty); not read. */
int credentials_given(const char *token_file);

/*
 * Loads the token: the file wins over the environment. Returns 0, or -1 with err set
 * (A2A_E_CONFIG: refused or unreadable; A2A_E_NOMEM); the message never contains the token.
 * *warn_mode is set when the file is readable by group or others.
 */
int credentials_load(struct credentials *c, const char *token_file, int *warn_mode,
                     struct a2a_error *err);
void credentials_free(struct credentials *c);

#endif
