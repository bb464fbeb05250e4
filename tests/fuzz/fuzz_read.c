/*
 * fuzz_read.c - libFuzzer harness: every reader on arbitrary bytes, then the
 * text writer on whatever was read. Built by `make fuzz` (clang), not part
 * of `make check`. The first byte picks the reader (by its index in the
 * registry); the rest is the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fc_converter.h"
#include "fc_io.h"
#include "fc_registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fc_template *tpl;
    if (!tpl && fc_template_load_default(&tpl, NULL) != FC_OK)
        abort();
    if (size < 1)
        return 0;
    size_t count = 0;
    while (fc_converters[count])
        count++;
    const fc_converter *reader = fc_converters[data[0] % count];
    const fc_converter *writer = fc_converter_by_name("text");
    if (!reader->read)
        return 0;
    fc_options opts = {0};
    opts.tpl = tpl;
    fc_input *in = NULL;
    fc_output *out = NULL;
    fc_sink *sink = NULL;
    fc_error err;
    fc_status st = fc_input_from_memory(data + 1, size - 1, "fuzz", &in, &err);
    if (!st)
        st = fc_output_memory(&out, &err);
    if (!st)
        st = writer->open_writer(out, &opts, &sink, &err);
    if (!st)
        st = reader->read(in, &opts, sink, &err);
    if (!st)
        st = sink->end(sink, &err);
    if (!st && fc_output_commit(out, &err) != FC_OK)
        abort(); /* committing to memory cannot fail */
    if (sink)
        sink->destroy(sink);
    fc_output_free(out);
    fc_input_free(in);
    return 0;
}
