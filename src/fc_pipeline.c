/*
 * fc_pipeline.c - a writer sink on its own thread, fed with batches of
 * copied forms through a ring of three batches.
 *
 * Only the writer thread calls inner->form; begin and end run on the
 * caller's thread before the writer thread starts and after it has been
 * joined, so the writer never runs on two threads at once.
 */
#include "fc_pipeline.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Batches in the ring and forms per batch. */
#define RING 3
#define BATCH 32

typedef struct pipeline {
    fc_sink base;                 /* sink interface (must be first) */
    fc_sink *inner;               /* the real writer (owned) */
    pthread_t thread;             /* the writer thread */
    bool running;                 /* the writer thread was started and not joined */
    bool synchronous;             /* no thread could be started: forward directly */
    pthread_mutex_t lock;         /* guards everything below */
    pthread_cond_t changed;       /* signalled whenever a flag below changes */
    fc_form *forms[RING][BATCH];  /* the copied forms (allocated on first use) */
    size_t count[RING];           /* forms in each batch */
    bool ready[RING];             /* the batch is handed to the writer thread */
    size_t fill;                  /* the batch the caller is filling */
    bool finished;                /* end was called: no more batches will come */
    bool stop;                    /* destroy before end: the writer thread quits */
    fc_status status;             /* the writer's first failure (FC_OK if none) */
    fc_error error;               /* its error record */
} pipeline;

/* Body of the writer thread: writes the ready batches in ring order. */
static void *writer_main(void *arg)
{
    pipeline *p = arg;
    size_t take = 0;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (!p->ready[take] && !p->finished && !p->stop)
            pthread_cond_wait(&p->changed, &p->lock);
        bool quit = p->stop || !p->ready[take];
        pthread_mutex_unlock(&p->lock);
        if (quit)
            break;
        fc_status st = FC_OK;
        fc_error e;
        fc_error_clear(&e);
        for (size_t i = 0; i < p->count[take] && !st; i++)
            st = p->inner->form(p->inner, p->forms[take][i], &e);
        pthread_mutex_lock(&p->lock);
        p->ready[take] = false;
        if (st && !p->status) {
            p->status = st;
            p->error = e;
        }
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
        if (st)
            break;
        take = (take + 1) % RING;
    }
    return NULL;
}

/* Copies the writer's failure into `err` and returns its status. */
static fc_status writer_failure(pipeline *p, fc_error *err)
{
    if (err)
        *err = p->error;
    return p->status;
}

static fc_status pipeline_begin(fc_sink *self, const fc_doc *doc, fc_error *err)
{
    pipeline *p = (pipeline *)self;
    fc_status st = p->inner->begin(p->inner, doc, err);
    if (st)
        return st;
    if (pthread_create(&p->thread, NULL, writer_main, p) == 0)
        p->running = true;
    else
        p->synchronous = true; /* no thread: the conversion still works, serially */
    return FC_OK;
}

/* Hands the batch being filled to the writer thread and waits for the next
 * one to be free. */
static fc_status hand_off(pipeline *p, fc_error *err)
{
    pthread_mutex_lock(&p->lock);
    p->ready[p->fill] = true;
    pthread_cond_broadcast(&p->changed);
    size_t next = (p->fill + 1) % RING;
    while (p->ready[next] && !p->status)
        pthread_cond_wait(&p->changed, &p->lock);
    fc_status st = p->status;
    pthread_mutex_unlock(&p->lock);
    if (st)
        return writer_failure(p, err);
    p->fill = next;
    p->count[next] = 0;
    return FC_OK;
}

static fc_status pipeline_form(fc_sink *self, const fc_form *form, fc_error *err)
{
    pipeline *p = (pipeline *)self;
    if (p->synchronous)
        return p->inner->form(p->inner, form, err);
    size_t slot = p->count[p->fill];
    fc_form **copy = &p->forms[p->fill][slot];
    if (!*copy && !(*copy = fc_form_new()))
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    if (fc_form_copy(*copy, form))
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    p->count[p->fill] = slot + 1;
    if (slot + 1 == BATCH)
        return hand_off(p, err);
    return FC_OK;
}

/* Keeps `*form` in the batch being filled and gives the caller the form
 * that slot held (emptied), or a new one: no copy. */
static fc_status pipeline_take(fc_sink *self, fc_form **form, fc_error *err)
{
    pipeline *p = (pipeline *)self;
    if (p->synchronous)
        return p->inner->form(p->inner, *form, err);
    size_t slot = p->count[p->fill];
    fc_form *spare = p->forms[p->fill][slot];
    if (!spare && !(spare = fc_form_new()))
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    fc_form_reset(spare);
    p->forms[p->fill][slot] = *form;
    *form = spare;
    p->count[p->fill] = slot + 1;
    if (slot + 1 == BATCH)
        return hand_off(p, err);
    return FC_OK;
}

/* Stops the writer thread after the batches handed to it (or at once when
 * `stop`), and joins it. */
static void join_writer(pipeline *p, bool stop)
{
    if (!p->running)
        return;
    pthread_mutex_lock(&p->lock);
    if (!stop && p->count[p->fill] > 0 && !p->ready[p->fill])
        p->ready[p->fill] = true;
    p->finished = true;
    p->stop = stop;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    p->running = false;
}

static fc_status pipeline_end(fc_sink *self, fc_error *err)
{
    pipeline *p = (pipeline *)self;
    join_writer(p, false);
    if (p->status)
        return writer_failure(p, err);
    return p->inner->end(p->inner, err);
}

static void pipeline_destroy(fc_sink *self)
{
    pipeline *p = (pipeline *)self;
    if (!p)
        return;
    join_writer(p, true);
    for (size_t b = 0; b < RING; b++)
        for (size_t i = 0; i < BATCH; i++)
            fc_form_free(p->forms[b][i]);
    if (p->inner)
        p->inner->destroy(p->inner);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

fc_status fc_pipeline_new(fc_sink *inner, fc_sink **out, fc_error *err)
{
    *out = NULL;
    pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        inner->destroy(inner);
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    }
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        inner->destroy(inner);
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "cannot create a lock");
    }
    if (pthread_cond_init(&p->changed, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        inner->destroy(inner);
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "cannot create a condition variable");
    }
    p->base.begin = pipeline_begin;
    p->base.form = pipeline_form;
    p->base.end = pipeline_end;
    p->base.destroy = pipeline_destroy;
    p->base.take = pipeline_take;
    p->inner = inner;
    *out = &p->base;
    return FC_OK;
}
