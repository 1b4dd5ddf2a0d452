/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The JSON wrapper.  This header and core/json.c are the only places that know which
 * JSON library tong uses (json-c); everything else sees tong_json.
 *
 * Parsing is strict: standard JSON only, one value per buffer, nesting capped at
 * TONG_JSON_MAX_DEPTH, integers outside [INT64_MIN, UINT64_MAX] rejected (json-c would
 * silently clamp them), strings with embedded NUL bytes rejected by the getters.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tong/error.h"

#define TONG_JSON_MAX_DEPTH 64

typedef struct tong_json tong_json;

typedef enum tong_json_type {
        TONG_JSON_NULL,
        TONG_JSON_BOOL,
        TONG_JSON_INT,
        TONG_JSON_DOUBLE,
        TONG_JSON_STRING,
        TONG_JSON_ARRAY,
        TONG_JSON_OBJECT,
} tong_json_type;

/* Errors name the position: "line 3, column 14: unexpected character". */
int tong_json_parse(const char *buf, size_t len, tong_json **ret, tong_err **err);

tong_json *tong_json_unref(tong_json *j); /* accepts NULL, returns NULL */
static inline void tong_json_unrefp(tong_json **j)
{
        *j = tong_json_unref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(tong_json_unrefp)))

tong_json_type tong_json_type_of(const tong_json *j);
const char *tong_json_type_name(tong_json_type t);

/* Member of an object; NULL when absent or when the value is JSON null. */
const tong_json *tong_json_get(const tong_json *obj, const char *key);

size_t tong_json_array_len(const tong_json *arr);
const tong_json *tong_json_array_at(const tong_json *arr, size_t i);

size_t tong_json_object_len(const tong_json *obj);
typedef struct tong_json_iter {
        const void *entry;
} tong_json_iter;
void tong_json_iter_init(const tong_json *obj, tong_json_iter *it);
/* Next member; *val is NULL for a JSON null member. */
bool tong_json_iter_next(tong_json_iter *it, const char **key, const tong_json **val);

/* Typed getters; the caller has checked the type.  -EINVAL: wrong kind, -ERANGE: range. */
bool tong_json_bool(const tong_json *j);
int tong_json_get_u64(const tong_json *j, uint64_t *ret);
int tong_json_get_i64(const tong_json *j, int64_t *ret);
/* -EINVAL if the string holds a NUL byte. */
int tong_json_get_string(const tong_json *j, const char **ret);

/* Builders.  tong_json_set/append take ownership of val. */
tong_json *tong_json_new_object(void);
tong_json *tong_json_new_array(void);
tong_json *tong_json_new_string(const char *s);
tong_json *tong_json_new_i64(int64_t v);
tong_json *tong_json_new_u64(uint64_t v);
tong_json *tong_json_new_bool(bool v);
tong_json *tong_json_new_null(void);
void tong_json_set(tong_json *obj, const char *key, tong_json *val);
void tong_json_append(tong_json *arr, tong_json *val);

enum {
        TONG_JSON_PLAIN = 0,
        TONG_JSON_PRETTY = 1 << 0, /* two-space indent, one member per line */
};
/* A newly allocated serialisation (no trailing newline). */
char *tong_json_to_string(const tong_json *j, unsigned flags);
