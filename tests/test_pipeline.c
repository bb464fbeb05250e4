/*
 * test_pipeline.c - the writer thread: forms arrive in order and unchanged,
 * a writer's failure comes back to the reader, and stopping early is clean.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_pipeline.h"
#include "support.h"

/* A writer that fails at its `fail_at`-th form (0: never). */
typedef struct failing {
    fc_sink base;        /* sink interface (must be first) */
    size_t seen;         /* forms received */
    size_t fail_at;      /* form number that fails */
    bool ended;          /* end was called */
    size_t *destroyed;   /* incremented by destroy */
} failing;

static fc_status failing_begin(fc_sink *self, const fc_doc *doc, fc_error *err)
{
    (void)self;
    (void)doc;
    (void)err;
    return FC_OK;
}

static fc_status failing_form(fc_sink *self, const fc_form *form, fc_error *err)
{
    failing *f = (failing *)self;
    (void)form;
    if (++f->seen == f->fail_at)
        return fc_error_set(err, FC_ERR_OUTPUT, "out.txt", "disk full at form %zu", f->seen);
    return FC_OK;
}

static fc_status failing_end(fc_sink *self, fc_error *err)
{
    (void)err;
    ((failing *)self)->ended = true;
    return FC_OK;
}

static void failing_destroy(fc_sink *self)
{
    failing *f = (failing *)self;
    (*f->destroyed)++;
    free(f);
}

static failing *failing_new(size_t fail_at, size_t *destroyed)
{
    failing *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->base.begin = failing_begin;
    f->base.form = failing_form;
    f->base.end = failing_end;
    f->base.destroy = failing_destroy;
    f->fail_at = fail_at;
    f->destroyed = destroyed;
    return f;
}

/* Builds a small form whose name is "project N". */
static void fill_form(fc_form *form, size_t n)
{
    char name[64];
    snprintf(name, sizeof name, "project %zu", n);
    fc_form_reset(form);
    assert_int_equal(fc_form_add_field(form, FC_FIELD_NAME, "项目名称", strlen("项目名称"), name,
                                       strlen(name), false), FC_OK);
    assert_int_equal(fc_template_apply_columns(fc_test_template(), form), FC_OK);
    assert_int_equal(fc_form_add_indicator(form, "1-产出指标", "11-数量指标", name, "1 人", NULL),
                     FC_OK);
}

static void test_order_and_content(void **state)
{
    (void)state;
    fc_sink *collector = fc_collector_new();
    fc_sink *sink = NULL;
    fc_error err;
    assert_int_equal(fc_pipeline_new(collector, &sink, &err), FC_OK);
    fc_doc header = {.attachment = "附件 2"};
    assert_int_equal(sink->begin(sink, &header, &err), FC_OK);
    fc_form *form = fc_form_new();
    /* More forms than the ring holds, and not a whole number of batches. */
    const size_t total = 1000;
    for (size_t i = 0; i < total; i++) {
        fill_form(form, i);
        assert_int_equal(sink->form(sink, form, &err), FC_OK);
    }
    assert_int_equal(sink->end(sink, &err), FC_OK);
    fc_doc *doc = fc_collector_take(collector);
    assert_non_null(doc);
    assert_string_equal(doc->attachment, "附件 2");
    assert_int_equal(doc->form_count, total);
    for (size_t i = 0; i < total; i++) {
        fill_form(form, i);
        assert_true(fc_form_equal(doc->forms[i], form));
    }
    fc_doc_free(doc);
    fc_form_free(form);
    sink->destroy(sink);
}

static void test_take_hands_forms_over(void **state)
{
    (void)state;
    fc_sink *collector = fc_collector_new();
    fc_sink *sink = NULL;
    fc_error err;
    assert_int_equal(fc_pipeline_new(collector, &sink, &err), FC_OK);
    assert_non_null(sink->take);
    assert_int_equal(sink->begin(sink, NULL, &err), FC_OK);
    fc_form *form = fc_form_new();
    const size_t total = 500;
    for (size_t i = 0; i < total; i++) {
        fill_form(form, i);
        fc_form *given = form;
        assert_int_equal(sink->take(sink, &form, &err), FC_OK);
        /* The caller gets another form, empty, to fill next. */
        assert_ptr_not_equal(form, given);
        assert_int_equal(form->field_count, 0);
        assert_int_equal(form->indicator_count, 0);
    }
    assert_int_equal(sink->end(sink, &err), FC_OK);
    fc_doc *doc = fc_collector_take(collector);
    assert_int_equal(doc->form_count, total);
    for (size_t i = 0; i < total; i++) {
        fill_form(form, i);
        assert_true(fc_form_equal(doc->forms[i], form));
    }
    fc_doc_free(doc);
    fc_form_free(form);
    sink->destroy(sink);
}

static void test_writer_failure_comes_back(void **state)
{
    (void)state;
    size_t destroyed = 0;
    failing *inner = failing_new(70, &destroyed);
    fc_sink *sink = NULL;
    fc_error err;
    assert_int_equal(fc_pipeline_new(&inner->base, &sink, &err), FC_OK);
    assert_int_equal(sink->begin(sink, NULL, &err), FC_OK);
    fc_form *form = fc_form_new();
    fc_status st = FC_OK;
    size_t sent = 0;
    while (st == FC_OK && sent < 10000) {
        fill_form(form, sent++);
        st = sink->form(sink, form, &err);
    }
    /* The failure stops the reader within a few batches. */
    assert_int_equal(st, FC_ERR_OUTPUT);
    assert_true(sent < 70 + 4 * 32);
    assert_string_equal(err.location, "out.txt");
    assert_string_equal(err.message, "disk full at form 70");
    assert_false(inner->ended);
    fc_form_free(form);
    sink->destroy(sink);
    assert_int_equal(destroyed, 1);
}

static void test_failure_at_end(void **state)
{
    (void)state;
    size_t destroyed = 0;
    failing *inner = failing_new(5, &destroyed);
    fc_sink *sink = NULL;
    fc_error err;
    assert_int_equal(fc_pipeline_new(&inner->base, &sink, &err), FC_OK);
    assert_int_equal(sink->begin(sink, NULL, &err), FC_OK);
    fc_form *form = fc_form_new();
    for (size_t i = 0; i < 10; i++) {
        fill_form(form, i);
        assert_int_equal(sink->form(sink, form, &err), FC_OK); /* still in the first batch */
    }
    assert_int_equal(sink->end(sink, &err), FC_ERR_OUTPUT);
    assert_string_equal(err.message, "disk full at form 5");
    fc_form_free(form);
    sink->destroy(sink);
    assert_int_equal(destroyed, 1);
}

static void test_destroy_without_end(void **state)
{
    (void)state;
    size_t destroyed = 0;
    failing *inner = failing_new(0, &destroyed);
    fc_sink *sink = NULL;
    fc_error err;
    assert_int_equal(fc_pipeline_new(&inner->base, &sink, &err), FC_OK);
    assert_int_equal(sink->begin(sink, NULL, &err), FC_OK);
    fc_form *form = fc_form_new();
    for (size_t i = 0; i < 100; i++) {
        fill_form(form, i);
        assert_int_equal(sink->form(sink, form, &err), FC_OK);
    }
    /* A reader error: the caller destroys without end. */
    sink->destroy(sink);
    assert_int_equal(destroyed, 1);
    fc_form_free(form);
    /* And a pipeline that never began. */
    destroyed = 0;
    inner = failing_new(0, &destroyed);
    assert_int_equal(fc_pipeline_new(&inner->base, &sink, &err), FC_OK);
    sink->destroy(sink);
    assert_int_equal(destroyed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_content),
        cmocka_unit_test(test_take_hands_forms_over),
        cmocka_unit_test(test_writer_failure_comes_back),
        cmocka_unit_test(test_failure_at_end),
        cmocka_unit_test(test_destroy_without_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
