#ifndef A2A_JOBLIST_H
#define A2A_JOBLIST_H

/*
 * A FIFO of jobs chained through job->next: the dispatch pool's queue and outbox, an
 * engine's queue and done list. Holds no job: each belongs to whoever has it in a list.
 */

#include <stddef.h>

#include "job.h"

struct a2a_job_list {
    struct a2a_job *head;
    struct a2a_job *tail;
};

static inline void a2a_job_list_push(struct a2a_job_list *l, struct a2a_job *job)
{
    job->next = NULL;
    if (l->tail != NULL) {
        l->tail->next = job;
    } else {
        l->head = job;
    }
    l->tail = job;
}

/* Puts a job back at the head: the next one out. */
static inline void a2a_job_list_push_front(struct a2a_job_list *l, struct a2a_job *job)
{
    job->next = l->head;
    l->head = job;
    if (l->tail == NULL) {
        l->tail = job;
    }
}

/* Empties the list; returns its chain (NULL-terminated), oldest first. */
static inline struct a2a_job *a2a_job_list_take(struct a2a_job_list *l)
{
    struct a2a_job *head = l->head;

    l->head = NULL;
    l->tail = NULL;
    return head;
}

/* Takes up to n jobs from the head; returns their chain (NULL-terminated), oldest first. */
static inline struct a2a_job *a2a_job_list_take_first(struct a2a_job_list *l, size_t n)
{
    struct a2a_job *head = l->head;
    struct a2a_job *last = NULL;

    for (struct a2a_job *j = head; j != NULL && n > 0; j = j->next, n--) {
        last = j;
    }
    if (last == NULL) {
        return NULL;
    }
    l->head = last->next;
    if (l->head == NULL) {
        l->tail = NULL;
    }
    last->next = NULL;
    return head;
}

/* Appends a chain (linked through next, NULL-terminated). Returns its length. */
static inline size_t a2a_job_list_splice(struct a2a_job_list *l, struct a2a_job *chain)
{
    size_t n = 0;

    while (chain != NULL) {
        struct a2a_job *next = chain->next;
        a2a_job_list_push(l, chain);
        chain = next;
        n++;
    }
    return n;
}

#endif
