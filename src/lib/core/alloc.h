/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/*
 * Allocation that cannot fail: on OOM the process aborts.  A runtime that runs out of
 * memory halfway through setting up a container has no better option, and it keeps
 * every caller free of impossible error paths.  Sizes that come from user input are
 * capped by the caller before they reach here.
 */
void *xmalloc(size_t n) __attribute__((malloc, alloc_size(1), returns_nonnull));
void *xcalloc(size_t n, size_t size) __attribute__((malloc, alloc_size(1, 2), returns_nonnull));
void *xrealloc(void *p, size_t n) __attribute__((alloc_size(2), returns_nonnull));
/* Grow *p (holding *n elements) by one element of `size` bytes, zeroed; returns the new one. */
void *xappend(void *p_, size_t *n, size_t size);
char *xstrdup(const char *s) __attribute__((malloc, returns_nonnull));
char *xstrndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));
char *xasprintf(const char *fmt, ...)
        __attribute__((format(printf, 1, 2), malloc, returns_nonnull));
char *xvasprintf(const char *fmt, va_list ap)
        __attribute__((format(printf, 1, 0), malloc, returns_nonnull));
