/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fuzz target: LLVMFuzzerTestOneInput() gets one input.  Built twice:
 * with libFuzzer (configure --enable-fuzzing, clang) it is fuzzed; with the
 * plain driver fuzz-main.c (any compiler) it replays files, which is what
 * make check does with every corpus file and crash input.
 */
#ifndef NSALIGN_FUZZ_H
#define NSALIGN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A private directory for the process's files ($TMPDIR, else /dev/shm), removed at exit. */
const char *fuzz_dir(void);
/* Write DIR/NAME (NAME may hold subdirectories, created); aborts on failure. */
void fuzz_write(const char *dir, const char *name, const void *data, size_t size);
/* Remove everything under DIR, keeping DIR. */
void fuzz_clear(const char *dir);
/*
 * The next part of an input made of parts separated by the byte sep: *data
 * and *size move past it.  Returns its length; *part points to it (not
 * NUL-terminated).  No more input: 0 and *part NULL.
 */
size_t fuzz_part(const uint8_t **data, size_t *size, int sep, const uint8_t **part);
/* The separator of the targets that take several files: ASCII's record separator. */
#define FUZZ_SEP 0x1e
/* A property did not hold: say which and abort, so that the fuzzer keeps the input. */
void fuzz_fail(const char *what) __attribute__((noreturn));

#endif
