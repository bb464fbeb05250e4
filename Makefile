# formconv - build, test and benchmark.
#
#   make            build ./formconv and build/libformconv.a
#   make demo       convert the bundled sample into out/
#   make check      every test: plain, AddressSanitizer+UBSan, valgrind, cppcheck
#   make bench      throughput and peak memory on generated inputs
#
# Dependencies come from Debian packages through pkg-config (sh tools/setup.sh).

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libxml-2.0 xlsxwriter minizip zlib libmicrohttpd

BUILD ?= build
SANITIZE ?=

DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
DEP_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
TEST_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

OPT ?= -O2
CFLAGS ?= $(OPT) -g
WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -pthread $(WARNINGS) $(CFLAGS) \
	          -Isrc -I$(BUILD)/gen $(DEP_CFLAGS)
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=$(SANITIZE)
endif
ALL_LDFLAGS := $(LDFLAGS) $(SAN_LDFLAGS) -pthread

# Files compiled into the program: SYMBOL=FILE.
EMBED := fc_embedded_default_template=templates/default-template.xml \
	     fc_embedded_framework_2021_template=templates/framework-2021.xml \
	     fc_embedded_midterm_template=templates/midterm.xml \
	     fc_embedded_flat_list_template=templates/flat-list.xml \
	     fc_embedded_template_xsd=templates/template.xsd \
	     fc_embedded_forms_xsd=templates/formconv-forms-1.xsd \
	     fc_embedded_serve_index=serve/index.html \
	     fc_embedded_serve_js=serve/app.js \
	     fc_embedded_serve_css=serve/app.css
EMBED_FILES := $(foreach e,$(EMBED),$(word 2,$(subst =, ,$(e))))

CLI_SRCS := $(wildcard src/cli*.c)
CLI_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRCS))
LIB_SRCS := $(filter-out $(CLI_SRCS),$(wildcard src/*.c)) $(wildcard converters/*.c)
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) $(BUILD)/obj/gen/fc_embedded.o
LIB := $(BUILD)/libformconv.a
BIN := $(BUILD)/formconv
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
TEST_SUPPORT := $(BUILD)/obj/tests/support.o

.PHONY: all deps deps-tests demo check test test-asan test-valgrind lint bench clean picture fuzz
.SUFFIXES:
# Keep the objects of the test programs: make would delete them as
# intermediate files, and then not see a header change.
.SECONDARY:

all: formconv $(LIB)

formconv: $(BIN)
	cp $(BIN) $@

deps:
	@sh tools/setup.sh

deps-tests:
	@sh tools/setup.sh --tests

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/tools/measure: tests/bench/measure.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/gen/fc_embedded.c: $(BUILD)/tools/embed $(EMBED_FILES) Makefile
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@ $(EMBED)

$(BUILD)/obj/gen/fc_embedded.o: $(BUILD)/gen/fc_embedded.c src/fc_embedded.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DEP_LIBS)

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -MMD -MP \
	  -DFC_SOURCE_DIR='"$(CURDIR)"' -DFC_BINARY='"$(abspath $(BIN))"' \
	  -DFC_PLAIN_BINARY='"$(CURDIR)/build/formconv"' \
	  -DFC_MEASURE='"$(CURDIR)/build/tools/measure"' -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_SUPPORT) $(LIB) build/tools/measure
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter-out build/tools/measure,$^) $(DEP_LIBS) $(TEST_LIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The main job on the bundled sample.
demo: deps all
	@mkdir -p out
	./formconv convert fixtures/seed.txt -o out/seed.txt
	@for f in $$(./formconv formats | awk 'NR>1 && $$2 ~ /w/ {print $$1}'); do \
	  case $$f in text) ;; *) echo "./formconv convert fixtures/seed.txt -t $$f -o out/seed.$$f"; \
	  ./formconv convert fixtures/seed.txt -t $$f -o out/seed.$$f || exit 1;; esac; done
	@ls -l out

# Plain build, then the same tests under sanitizers and valgrind.
check: deps-tests
	$(MAKE) lint
	$(MAKE) test
	$(MAKE) test-asan
	$(MAKE) test-valgrind
	@echo "check: all tests passed"

test: all $(TEST_BINS)
	@sh tests/run.sh $(BUILD) plain

test-asan: all
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined OPT=-O1 build/asan/formconv \
	  $(patsubst $(BUILD)/%,build/asan/%,$(TEST_BINS))
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  sh tests/run.sh build/asan asan

test-valgrind: all $(TEST_BINS)
	@sh tests/run.sh $(BUILD) valgrind

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
	  --std=c11 --inline-suppr --suppress=missingIncludeSystem \
	  -Isrc -I$(BUILD)/gen src converters tools tests

bench: all
	@sh tests/bench/run.sh

clean:
	rm -rf build out formconv

# Fuzzing (clang's libFuzzer): `make fuzz` builds build/fuzz/fuzz_read and
# runs it for FUZZ_SECONDS on a corpus seeded from fixtures/.
FUZZ_SECONDS ?= 60
fuzz: $(BUILD)/gen/fc_embedded.c
	@mkdir -p build/fuzz/corpus
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fsanitize=fuzzer,address,undefined \
	  -Isrc -I$(BUILD)/gen $(DEP_CFLAGS) -o build/fuzz/fuzz_read tests/fuzz/fuzz_read.c \
	  $(LIB_SRCS) $(BUILD)/gen/fc_embedded.c $(DEP_LIBS)
	@for f in fixtures/*.txt fixtures/text/*.txt fixtures/bad/*; do \
	  { printf '\000'; cat "$$f"; } > build/fuzz/corpus/$$(basename "$$f"); done
	build/fuzz/fuzz_read -max_total_time=$(FUZZ_SECONDS) -max_len=20000 -timeout=10 \
	  -rss_limit_mb=1024 build/fuzz/corpus
