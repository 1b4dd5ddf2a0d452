/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/alloc.h"
#include "core/json.h"
#include "core/macro.h"

/* tong_json is json_object; the casts stay in this file. */
#define J(x) ((json_object *)(x))
#define CJ(x) ((const json_object *)(x))

static void offset_to_pos(const char *buf, size_t off, size_t *line, size_t *col)
{
        *line = 1;
        *col = 1;
        for (size_t i = 0; i < off; i++) {
                if (buf[i] == '\n') {
                        (*line)++;
                        *col = 1;
                } else {
                        (*col)++;
                }
        }
}

/* Is the integer literal s[0..n) (optional '-', digits) inside [INT64_MIN, UINT64_MAX]? */
static bool int_literal_fits(const char *s, size_t n)
{
        bool neg = s[0] == '-';
        const char *limit = neg ? "9223372036854775808" : "18446744073709551615";
        size_t llen = strlen(limit);

        if (neg) {
                s++;
                n--;
        }
        while (n > 1 && s[0] == '0') {
                s++;
                n--;
        }
        if (n != llen)
                return n < llen;
        return strncmp(s, limit, n) <= 0;
}

/* json-c clamps out-of-range integers; find them first so they are errors, not surprises. */
static int check_integer_ranges(const char *buf, size_t len, tong_err **err)
{
        size_t i = 0;

        while (i < len) {
                char c = buf[i];

                if (c == '"') {
                        for (i++; i < len && buf[i] != '"'; i++)
                                if (buf[i] == '\\')
                                        i++;
                        i++;
                } else if (c == '-' || (c >= '0' && c <= '9')) {
                        size_t start = i;
                        bool integer = true;

                        for (; i < len && strchr("-+0123456789.eE", buf[i]) && buf[i]; i++)
                                if (strchr(".eE", buf[i]))
                                        integer = false;
                        if (integer && !int_literal_fits(buf + start, i - start)) {
                                size_t line, col;

                                offset_to_pos(buf, start, &line, &col);
                                return tong_err_set(err, ERANGE,
                                                    "line %zu, column %zu: integer %.*s out of "
                                                    "range",
                                                    line, col, (int)MIN(i - start, 40),
                                                    buf + start);
                        }
                } else {
                        i++;
                }
        }
        return 0;
}

int tong_json_parse(const char *buf, size_t len, tong_json **ret, tong_err **err)
{
        json_tokener *tok;
        json_object *obj;
        enum json_tokener_error jerr;
        size_t off, line, col;
        int r;

        if (len > INT32_MAX)
                return tong_err_set(err, EFBIG, "document too large");
        r = check_integer_ranges(buf, len, err);
        if (r < 0)
                return r;

        tok = json_tokener_new_ex(TONG_JSON_MAX_DEPTH);
        if (!tok)
                return tong_err_set(err, ENOMEM, "out of memory");
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        obj = json_tokener_parse_ex(tok, buf, (int)len);
        jerr = json_tokener_get_error(tok);
        off = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);

        if (jerr == json_tokener_continue || (!obj && jerr == json_tokener_success)) {
                json_object_put(obj);
                return tong_err_set(err, EINVAL, "unexpected end of document");
        }
        if (jerr != json_tokener_success) {
                json_object_put(obj);
                offset_to_pos(buf, MIN(off, len), &line, &col);
                return tong_err_set(err, EINVAL, "line %zu, column %zu: %s", line, col,
                                    json_tokener_error_desc(jerr));
        }
        for (size_t i = off; i < len; i++) {
                if (!strchr(" \t\r\n", buf[i])) {
                        json_object_put(obj);
                        offset_to_pos(buf, i, &line, &col);
                        return tong_err_set(err, EINVAL,
                                            "line %zu, column %zu: trailing data after the "
                                            "document",
                                            line, col);
                }
        }
        *ret = (tong_json *)obj;
        return 0;
}

tong_json *tong_json_unref(tong_json *j)
{
        if (j)
                json_object_put(J(j));
        return NULL;
}

tong_json_type tong_json_type_of(const tong_json *j)
{
        switch (json_object_get_type(CJ(j))) {
        case json_type_boolean:
                return TONG_JSON_BOOL;
        case json_type_int:
                return TONG_JSON_INT;
        case json_type_double:
                return TONG_JSON_DOUBLE;
        case json_type_string:
                return TONG_JSON_STRING;
        case json_type_array:
                return TONG_JSON_ARRAY;
        case json_type_object:
                return TONG_JSON_OBJECT;
        case json_type_null:
        default:
                return TONG_JSON_NULL;
        }
}

const char *tong_json_type_name(tong_json_type t)
{
        static const char *const names[] = {
                [TONG_JSON_NULL] = "null",     [TONG_JSON_BOOL] = "boolean",
                [TONG_JSON_INT] = "integer",   [TONG_JSON_DOUBLE] = "number",
                [TONG_JSON_STRING] = "string", [TONG_JSON_ARRAY] = "array",
                [TONG_JSON_OBJECT] = "object",
        };

        return (unsigned)t < ELEMENTSOF(names) ? names[t] : "unknown";
}

const tong_json *tong_json_get(const tong_json *obj, const char *key)
{
        json_object *v = NULL;

        if (!obj || !json_object_is_type(CJ(obj), json_type_object))
                return NULL;
        if (!json_object_object_get_ex(CJ(obj), key, &v))
                return NULL;
        return (const tong_json *)v; /* NULL for JSON null */
}

size_t tong_json_array_len(const tong_json *arr)
{
        return json_object_array_length(CJ(arr));
}

const tong_json *tong_json_array_at(const tong_json *arr, size_t i)
{
        return (const tong_json *)json_object_array_get_idx(CJ(arr), i);
}

size_t tong_json_object_len(const tong_json *obj)
{
        return (size_t)json_object_object_length(CJ(obj));
}

void tong_json_iter_init(const tong_json *obj, tong_json_iter *it)
{
        struct lh_table *t = json_object_get_object(CJ(obj));

        it->entry = t ? t->head : NULL;
}

bool tong_json_iter_next(tong_json_iter *it, const char **key, const tong_json **val)
{
        const struct lh_entry *e = it->entry;

        if (!e)
                return false;
        *key = (const char *)lh_entry_k(e);
        *val = (const tong_json *)lh_entry_v(e);
        it->entry = lh_entry_next(e);
        return true;
}

bool tong_json_bool(const tong_json *j)
{
        return json_object_get_boolean(CJ(j));
}

int tong_json_get_u64(const tong_json *j, uint64_t *ret)
{
        if (!json_object_is_type(CJ(j), json_type_int))
                return -EINVAL;
        /* json-c keeps values above INT64_MAX as uint64 and reports them as INT64_MAX. */
        if (json_object_get_int64(CJ(j)) < 0)
                return -ERANGE;
        *ret = json_object_get_uint64(CJ(j));
        return 0;
}

int tong_json_get_i64(const tong_json *j, int64_t *ret)
{
        int64_t v;

        if (!json_object_is_type(CJ(j), json_type_int))
                return -EINVAL;
        v = json_object_get_int64(CJ(j));
        if (v == INT64_MAX && json_object_get_uint64(CJ(j)) != (uint64_t)INT64_MAX)
                return -ERANGE;
        *ret = v;
        return 0;
}

int tong_json_get_string(const tong_json *j, const char **ret)
{
        const char *s;

        if (!json_object_is_type(CJ(j), json_type_string))
                return -EINVAL;
        s = json_object_get_string(J(j));
        if (strlen(s) != (size_t)json_object_get_string_len(CJ(j)))
                return -EINVAL;
        *ret = s;
        return 0;
}

static tong_json *checked(json_object *o)
{
        if (!o)
                abort(); /* json-c only fails on OOM; see core/alloc.h for the policy */
        return (tong_json *)o;
}

tong_json *tong_json_new_object(void)
{
        return checked(json_object_new_object());
}

tong_json *tong_json_new_array(void)
{
        return checked(json_object_new_array());
}

tong_json *tong_json_new_string(const char *s)
{
        return checked(json_object_new_string(s));
}

tong_json *tong_json_new_i64(int64_t v)
{
        return checked(json_object_new_int64(v));
}

tong_json *tong_json_new_u64(uint64_t v)
{
        return checked(json_object_new_uint64(v));
}

tong_json *tong_json_new_bool(bool v)
{
        return checked(json_object_new_boolean(v));
}

tong_json *tong_json_new_null(void)
{
        return NULL; /* json-c represents null as a NULL object */
}

void tong_json_set(tong_json *obj, const char *key, tong_json *val)
{
        if (json_object_object_add(J(obj), key, J(val)) < 0)
                abort();
}

void tong_json_append(tong_json *arr, tong_json *val)
{
        if (json_object_array_add(J(arr), J(val)) < 0)
                abort();
}

char *tong_json_to_string(const tong_json *j, unsigned flags)
{
        int jflags = JSON_C_TO_STRING_NOSLASHESCAPE;

        if (flags & TONG_JSON_PRETTY)
                jflags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
        else
                jflags |= JSON_C_TO_STRING_PLAIN;
        return xstrdup(json_object_to_json_string_ext(J(j), jflags));
}
