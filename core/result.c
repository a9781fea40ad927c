#include "result.h"

static const char *const outcome_names[A2A_OUT__MAX] = {
    "skipped",  "acknowledged",  "task_deleted", "parse_error", "transient",
    "rejected", "not_attempted", "interrupted",  "abandoned",   "would_dispatch",
};

const char *a2a_outcome_name(enum a2a_outcome o)
{
    return o < A2A_OUT__MAX ? outcome_names[o] : "unknown";
}

int a2a_outcome_failed(enum a2a_outcome o)
{
    return o != A2A_OUT_SKIPPED && o != A2A_OUT_ACKNOWLEDGED && o != A2A_OUT_TASK_DELETED &&
           o != A2A_OUT_WOULD_DISPATCH;
}
