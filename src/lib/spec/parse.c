/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json -> tong_spec: the parser framework (path-tracking context, field tables, leaf
 * parsers) and the top level (root, mounts, hooks, annotations).  process, linux and
 * linux.resources live in their own files.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/macro.h"
#include "spec/names.h"
#include "spec/parse-internal.h"
#include "spec/spec.h"

/* ---------------------------------------------------------------- context and path */

void sp_init(sp_ctx *c, const char *root, tong_err **err)
{
        *c = (sp_ctx){ .err = err };
        c->cap = 128;
        c->path = xmalloc(c->cap);
        c->path[0] = '\0';
        if (root && *root)
                (void)sp_push_key(c, root);
}

void sp_done(sp_ctx *c)
{
        free(c->path);
        c->path = NULL;
}

static void sp_append(sp_ctx *c, const char *s, size_t n)
{
        if (c->len + n + 1 > c->cap) {
                while (c->len + n + 1 > c->cap)
                        c->cap *= 2;
                c->path = xrealloc(c->path, c->cap);
        }
        memcpy(c->path + c->len, s, n);
        c->len += n;
        c->path[c->len] = '\0';
}

size_t sp_push_key(sp_ctx *c, const char *key)
{
        size_t old = c->len;

        if (c->len > 0)
                sp_append(c, ".", 1);
        sp_append(c, key, strlen(key));
        return old;
}

size_t sp_push_index(sp_ctx *c, size_t i)
{
        char buf[32];
        size_t old = c->len;
        int n = snprintf(buf, sizeof(buf), "[%zu]", i);

        sp_append(c, buf, (size_t)n);
        return old;
}

/* Would sp_quote() return the string unchanged, between quotes? */
static bool quote_is_plain(const char *s)
{
        size_t n = 0;

        for (; *s; s++, n++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\')
                        return false;
        return n <= 128;
}

size_t sp_push_mapkey(sp_ctx *c, const char *key)
{
        size_t old = c->len;

        /* Map keys are pushed for every entry: skip the allocation in the common case. */
        if (quote_is_plain(key)) {
                sp_append(c, "[\"", 2);
                sp_append(c, key, strlen(key));
                sp_append(c, "\"]", 2);
        } else {
                _cleanup_free_ char *q = sp_quote(key);

                sp_append(c, "[", 1);
                sp_append(c, q, strlen(q));
                sp_append(c, "]", 1);
        }
        return old;
}

void sp_pop(sp_ctx *c, size_t len)
{
        c->len = len;
        c->path[len] = '\0';
}

int sp_error(sp_ctx *c, int errnum, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = xvasprintf(fmt, ap);
        va_end(ap);
        if (c->len == 0)
                return tong_err_set(c->err, errnum, "%s", msg);
        return tong_err_set(c->err, errnum, "%s: %s", c->path, msg);
}

static const char *type_with_article(tong_json_type t)
{
        switch (t) {
        case TONG_JSON_BOOL:
                return "a boolean";
        case TONG_JSON_INT:
                return "an integer";
        case TONG_JSON_DOUBLE:
                return "a number";
        case TONG_JSON_STRING:
                return "a string";
        case TONG_JSON_ARRAY:
                return "an array";
        case TONG_JSON_OBJECT:
                return "an object";
        case TONG_JSON_NULL:
        default:
                return "null";
        }
}

int sp_type_error(sp_ctx *c, tong_json_type want, const tong_json *v)
{
        return sp_error(c, EINVAL, "expected %s, got %s", type_with_article(want),
                        tong_json_type_name(tong_json_type_of(v)));
}

char *sp_quote(const char *s)
{
        /* Values in messages come from the user: escape them so a message stays one line. */
        size_t max = 128, n = strlen(s), shown = MIN(n, max);
        char *out = xmalloc(shown * 4 + 8), *p = out;

        *p++ = '"';
        for (size_t i = 0; i < shown; i++) {
                unsigned char ch = (unsigned char)s[i];

                if (ch == '"' || ch == '\\') {
                        *p++ = '\\';
                        *p++ = (char)ch;
                } else if (ch < 0x20 || ch == 0x7f) {
                        p += snprintf(p, 5, "\\x%02x", ch);
                } else {
                        *p++ = (char)ch;
                }
        }
        *p++ = '"';
        if (n > max)
                p = stpcpy(p, "...");
        *p = '\0';
        return out;
}

int sp_unknown(sp_ctx *c, const char *what, const char *s)
{
        _cleanup_free_ char *q = sp_quote(s);

        return sp_error(c, EINVAL, "unknown %s %s", what, q);
}

/* ---------------------------------------------------------------- objects and arrays */

int sp_object(sp_ctx *c, const tong_json *obj, const sp_field *table, void *dst)
{
        if (tong_json_type_of(obj) != TONG_JSON_OBJECT)
                return sp_type_error(c, TONG_JSON_OBJECT, obj);

        for (const sp_field *f = table; f->key; f++) {
                const tong_json *v = tong_json_get(obj, f->key); /* NULL: absent or null */
                size_t saved;
                int r;

                if (!v && !f->required)
                        continue;
                saved = sp_push_key(c, f->key);
                if (!v)
                        r = sp_error(c, EINVAL, "required property missing");
                else if (tong_json_type_of(v) != f->type)
                        r = sp_type_error(c, f->type, v);
                else
                        r = f->parse(c, v, (char *)dst + f->offset);
                if (r < 0)
                        return r;
                sp_pop(c, saved);
                if (f->has_offset)
                        *(bool *)((char *)dst + f->has_offset - 1) = true;
        }
        /* Keys missing from the table are ignored on purpose: config.md ("Extensibility")
         * says runtimes MUST ignore unknown properties. */
        return 0;
}

static int array_common(sp_ctx *c, const tong_json *v, size_t elem_size, size_t max, sp_fn elem,
                        const sp_field *table, void **ret, size_t *n_ret)
{
        size_t n;
        char *arr;

        if (tong_json_type_of(v) != TONG_JSON_ARRAY)
                return sp_type_error(c, TONG_JSON_ARRAY, v);
        n = tong_json_array_len(v);
        if (n > max)
                return sp_error(c, E2BIG, "too many entries (%zu, the limit is %zu)", n, max);
        if (n == 0)
                return 0;

        arr = xcalloc(n, elem_size);
        *ret = arr;
        *n_ret = n;
        for (size_t i = 0; i < n; i++) {
                const tong_json *e = tong_json_array_at(v, i);
                size_t saved = sp_push_index(c, i);
                int r = table ? sp_object(c, e, table, arr + i * elem_size)
                              : elem(c, e, arr + i * elem_size);

                if (r < 0)
                        return r;
                sp_pop(c, saved);
        }
        return 0;
}

int sp_array(sp_ctx *c, const tong_json *v, size_t elem_size, size_t max, sp_fn elem, void **ret,
             size_t *n)
{
        return array_common(c, v, elem_size, max, elem, NULL, ret, n);
}

int sp_array_obj(sp_ctx *c, const tong_json *v, size_t elem_size, size_t max, const sp_field *table,
                 void **ret, size_t *n)
{
        return array_common(c, v, elem_size, max, NULL, table, ret, n);
}

/* ---------------------------------------------------------------- leaves */

int sp_string_get(sp_ctx *c, const tong_json *v, const char **s)
{
        if (tong_json_type_of(v) != TONG_JSON_STRING)
                return sp_type_error(c, TONG_JSON_STRING, v);
        if (tong_json_get_string(v, s) < 0)
                return sp_error(c, EINVAL, "string contains a NUL byte");
        return 0;
}

int sp_string(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        int r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        free(*(char **)dst);
        *(char **)dst = xstrdup(s);
        return 0;
}

int sp_strv(sp_ctx *c, const tong_json *v, void *dst)
{
        char ***ret = dst;
        size_t n;

        if (tong_json_type_of(v) != TONG_JSON_ARRAY)
                return sp_type_error(c, TONG_JSON_ARRAY, v);
        n = tong_json_array_len(v);
        if (n > TONG_SPEC_MAX_ARRAY)
                return sp_error(c, E2BIG, "too many entries (%zu, the limit is %d)", n,
                                TONG_SPEC_MAX_ARRAY);
        *ret = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
                size_t saved = sp_push_index(c, i);
                const char *s;
                int r = sp_string_get(c, tong_json_array_at(v, i), &s);

                if (r < 0)
                        return r;
                (*ret)[i] = xstrdup(s);
                sp_pop(c, saved);
        }
        return 0;
}

int sp_bool(sp_ctx *c, const tong_json *v, void *dst)
{
        if (tong_json_type_of(v) != TONG_JSON_BOOL)
                return sp_type_error(c, TONG_JSON_BOOL, v);
        *(bool *)dst = tong_json_bool(v);
        return 0;
}

static int range_error(sp_ctx *c, const tong_json *v, const char *range)
{
        int64_t i;
        uint64_t u;

        if (tong_json_get_i64(v, &i) == 0)
                return sp_error(c, ERANGE, "value %" PRId64 " out of range %s", i, range);
        if (tong_json_get_u64(v, &u) == 0)
                return sp_error(c, ERANGE, "value %" PRIu64 " out of range %s", u, range);
        return sp_error(c, ERANGE, "value out of range %s", range);
}

/* Any integer as a signed value in [min, max], or unsigned up to UINT64_MAX. */
static int get_int(sp_ctx *c, const tong_json *v, int64_t min, int64_t max, const char *range,
                   int64_t *ret)
{
        int64_t i;

        if (tong_json_type_of(v) != TONG_JSON_INT)
                return sp_type_error(c, TONG_JSON_INT, v);
        if (tong_json_get_i64(v, &i) < 0 || i < min || i > max)
                return range_error(c, v, range);
        *ret = i;
        return 0;
}

int sp_u64(sp_ctx *c, const tong_json *v, void *dst)
{
        if (tong_json_type_of(v) != TONG_JSON_INT)
                return sp_type_error(c, TONG_JSON_INT, v);
        if (tong_json_get_u64(v, dst) < 0)
                return range_error(c, v, "0..18446744073709551615");
        return 0;
}

int sp_i64(sp_ctx *c, const tong_json *v, void *dst)
{
        return get_int(c, v, INT64_MIN, INT64_MAX, "-9223372036854775808..9223372036854775807",
                       dst);
}

int sp_u32(sp_ctx *c, const tong_json *v, void *dst)
{
        int64_t i = 0;
        int r = get_int(c, v, 0, UINT32_MAX, "0..4294967295", &i);

        if (r >= 0)
                *(uint32_t *)dst = (uint32_t)i;
        return r;
}

int sp_i32(sp_ctx *c, const tong_json *v, void *dst)
{
        int64_t i = 0;
        int r = get_int(c, v, INT32_MIN, INT32_MAX, "-2147483648..2147483647", &i);

        if (r >= 0)
                *(int32_t *)dst = (int32_t)i;
        return r;
}

int sp_u16(sp_ctx *c, const tong_json *v, void *dst)
{
        int64_t i = 0;
        int r = get_int(c, v, 0, UINT16_MAX, "0..65535", &i);

        if (r >= 0)
                *(uint16_t *)dst = (uint16_t)i;
        return r;
}

int sp_each(sp_ctx *c, const tong_json *v, sp_fn one, void *dst)
{
        size_t n;

        if (tong_json_type_of(v) != TONG_JSON_ARRAY)
                return sp_type_error(c, TONG_JSON_ARRAY, v);
        n = tong_json_array_len(v);
        if (n > TONG_SPEC_MAX_ARRAY)
                return sp_error(c, E2BIG, "too many entries (%zu, the limit is %d)", n,
                                TONG_SPEC_MAX_ARRAY);
        for (size_t i = 0; i < n; i++) {
                size_t saved = sp_push_index(c, i);
                int r = one(c, tong_json_array_at(v, i), dst);

                if (r < 0)
                        return r;
                sp_pop(c, saved);
        }
        return 0;
}

int sp_kv_map(sp_ctx *c, const tong_json *v, tong_kv **ret, size_t *n_ret)
{
        tong_json_iter it;
        const char *key;
        const tong_json *val;
        size_t n, i = 0;

        if (tong_json_type_of(v) != TONG_JSON_OBJECT)
                return sp_type_error(c, TONG_JSON_OBJECT, v);
        n = tong_json_object_len(v);
        if (n > TONG_SPEC_MAX_ARRAY)
                return sp_error(c, E2BIG, "too many entries (%zu, the limit is %d)", n,
                                TONG_SPEC_MAX_ARRAY);
        if (n == 0)
                return 0;
        *ret = xcalloc(n, sizeof(tong_kv));
        *n_ret = n;
        tong_json_iter_init(v, &it);
        while (i < n && tong_json_iter_next(&it, &key, &val)) {
                size_t saved = sp_push_mapkey(c, key);
                const char *s;
                int r = sp_string_get(c, val, &s);

                if (r < 0)
                        return r;
                (*ret)[i].key = xstrdup(key);
                (*ret)[i].value = xstrdup(s);
                sp_pop(c, saved);
                i++;
        }
        return 0;
}

int sp_obj_map(sp_ctx *c, const tong_json *v, size_t elem_size, size_t key_offset,
               const sp_field *table, void **ret, size_t *n_ret)
{
        tong_json_iter it;
        const char *key;
        const tong_json *val;
        size_t n, i = 0;
        char *arr;

        if (tong_json_type_of(v) != TONG_JSON_OBJECT)
                return sp_type_error(c, TONG_JSON_OBJECT, v);
        n = tong_json_object_len(v);
        if (n > TONG_SPEC_MAX_ARRAY)
                return sp_error(c, E2BIG, "too many entries (%zu, the limit is %d)", n,
                                TONG_SPEC_MAX_ARRAY);
        if (n == 0)
                return 0;
        arr = xcalloc(n, elem_size);
        *ret = arr;
        *n_ret = n;
        tong_json_iter_init(v, &it);
        while (i < n && tong_json_iter_next(&it, &key, &val)) {
                char *elem = arr + i * elem_size;
                size_t saved = sp_push_mapkey(c, key);
                int r;

                *(char **)(elem + key_offset) = xstrdup(key);
                r = sp_object(c, val, table, elem);
                if (r < 0)
                        return r;
                sp_pop(c, saved);
                i++;
        }
        return 0;
}

static const sp_field idmap_fields[] = {
        SP_FR("containerID", TONG_JSON_INT, sp_u32, tong_idmap, container_id),
        SP_FR("hostID", TONG_JSON_INT, sp_u32, tong_idmap, host_id),
        SP_FR("size", TONG_JSON_INT, sp_u32, tong_idmap, size),
        SP_END,
};

int sp_idmaps(sp_ctx *c, const tong_json *v, tong_idmap **ret, size_t *n)
{
        return sp_array_obj(c, v, sizeof(tong_idmap), TONG_SPEC_MAX_IDMAPS, idmap_fields,
                            (void **)ret, n);
}

/* ---------------------------------------------------------------- raw checks */

static void raw_position(const char *buf, size_t off, size_t *line, size_t *col)
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

int sp_check_raw(const char *buf, size_t len, tong_err **err)
{
        size_t line, col;
        const char *nul = memchr(buf, '\0', len);

        if (nul) {
                raw_position(buf, (size_t)(nul - buf), &line, &col);
                return tong_err_set(err, EINVAL, "line %zu, column %zu: NUL byte in the document",
                                    line, col);
        }
        /* json-c cuts property names at an escaped NUL ("a\u0000b" becomes "a"), which would
         * make two different names equal; values are checked by tong_json_get_string. */
        for (size_t i = 0; i < len; i++) {
                size_t start = i;
                bool has_nul = false;

                if (buf[i] != '"')
                        continue;
                for (i++; i < len && buf[i] != '"'; i++) {
                        if (buf[i] != '\\')
                                continue;
                        if (i + 5 < len && memcmp(buf + i + 1, "u0000", 5) == 0)
                                has_nul = true;
                        i++;
                }
                for (size_t j = i + 1; j < len && has_nul; j++) {
                        if (strchr(" \t\r\n", buf[j]))
                                continue;
                        if (buf[j] == ':') {
                                raw_position(buf, start, &line, &col);
                                return tong_err_set(err, EINVAL,
                                                    "line %zu, column %zu: NUL byte in a "
                                                    "property name",
                                                    line, col);
                        }
                        break;
                }
        }
        return 0;
}

/* ---------------------------------------------------------------- mounts */

static int sp_mount_elem(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("destination", TONG_JSON_STRING, sp_string, tong_mount, destination),
                SP_F("source", TONG_JSON_STRING, sp_string, tong_mount, source),
                SP_F("type", TONG_JSON_STRING, sp_string, tong_mount, type),
                SP_F("options", TONG_JSON_ARRAY, sp_strv, tong_mount, options),
                SP_END,
        };
        tong_mount *m = dst;
        const tong_json *maps;
        tong_err *e = NULL;
        int r = sp_object(c, v, fields, m);

        if (r < 0)
                return r;
        maps = tong_json_get(v, "uidMappings");
        if (maps) {
                size_t saved = sp_push_key(c, "uidMappings");

                r = sp_idmaps(c, maps, &m->uid_mappings, &m->n_uid_mappings);
                if (r < 0)
                        return r;
                sp_pop(c, saved);
        }
        maps = tong_json_get(v, "gidMappings");
        if (maps) {
                size_t saved = sp_push_key(c, "gidMappings");

                r = sp_idmaps(c, maps, &m->gid_mappings, &m->n_gid_mappings);
                if (r < 0)
                        return r;
                sp_pop(c, saved);
        }
        r = tong_mount_parse_options(m, &e);
        if (r < 0) {
                size_t saved = sp_push_key(c, "options");

                r = sp_error(c, -r, "%s", e->msg);
                tong_err_free(e);
                sp_pop(c, saved);
        }
        return r;
}

static int sp_mounts(sp_ctx *c, const tong_json *v, void *dst)
{
        tong_spec *s = dst;

        return sp_array(c, v, sizeof(tong_mount), TONG_SPEC_MAX_ARRAY, sp_mount_elem,
                        (void **)&s->mounts, &s->n_mounts);
}

/* ---------------------------------------------------------------- hooks */

static const sp_field hook_fields[] = {
        SP_FR("path", TONG_JSON_STRING, sp_string, tong_hook, path),
        SP_F("args", TONG_JSON_ARRAY, sp_strv, tong_hook, args),
        SP_F("env", TONG_JSON_ARRAY, sp_strv, tong_hook, env),
        SP_FH("timeout", TONG_JSON_INT, sp_i32, tong_hook, timeout, has_timeout),
        SP_END,
};

static int sp_hooks(sp_ctx *c, const tong_json *v, void *dst)
{
        tong_hooks *h = dst;

        for (int k = 0; k < _TONG_HOOK_MAX; k++) {
                const tong_json *arr = tong_json_get(v, tong_hook_kind_name(k));
                size_t saved;
                int r;

                if (!arr)
                        continue;
                saved = sp_push_key(c, tong_hook_kind_name(k));
                r = sp_array_obj(c, arr, sizeof(tong_hook), TONG_SPEC_MAX_ARRAY, hook_fields,
                                 (void **)&h->hooks[k], &h->n_hooks[k]);
                if (r < 0)
                        return r;
                sp_pop(c, saved);
        }
        return 0;
}

/* ---------------------------------------------------------------- other platforms */

/*
 * tong only runs Linux containers and ignores the other platforms' sections, except for the
 * FreeBSD jail sharing modes: those are enums the schema checks, and a document that the
 * schema rejects should not pass here (schema/test/config/bad/freebsd-vnet-disable.json).
 */
static int sp_freebsd(sp_ctx *c, const tong_json *v, void *dst)
{
        static const struct {
                const char *key;
                bool no_disable;
        } modes[] = {
                { "host", true },     { "vnet", true },     { "ip4", false },     { "ip6", false },
                { "sysvmsg", false }, { "sysvsem", false }, { "sysvshm", false },
        };
        const tong_json *jail = tong_json_get(v, "jail");
        size_t saved;

        (void)dst;
        if (!jail)
                return 0;
        saved = sp_push_key(c, "jail");
        if (tong_json_type_of(jail) != TONG_JSON_OBJECT)
                return sp_type_error(c, TONG_JSON_OBJECT, jail);
        for (size_t i = 0; i < ELEMENTSOF(modes); i++) {
                const tong_json *m = tong_json_get(jail, modes[i].key);
                size_t saved2;
                const char *s;
                int r;

                if (!m)
                        continue;
                saved2 = sp_push_key(c, modes[i].key);
                r = sp_string_get(c, m, &s);
                if (r < 0)
                        return r;
                if (!streq(s, "new") && !streq(s, "inherit") &&
                    (modes[i].no_disable || !streq(s, "disable"))) {
                        _cleanup_free_ char *q = sp_quote(s);

                        return sp_error(c, EINVAL, "unknown sharing mode %s", q);
                }
                sp_pop(c, saved2);
        }
        sp_pop(c, saved);
        return 0;
}

/* ---------------------------------------------------------------- the whole config */

static int sp_root(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("path", TONG_JSON_STRING, sp_string, tong_spec, root_path),
                SP_F("readonly", TONG_JSON_BOOL, sp_bool, tong_spec, root_readonly),
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static int sp_annotations(sp_ctx *c, const tong_json *v, void *dst)
{
        tong_spec *s = dst;

        return sp_kv_map(c, v, &s->annotations, &s->n_annotations);
}

static const sp_field spec_fields[] = {
        SP_FR("ociVersion", TONG_JSON_STRING, sp_string, tong_spec, oci_version),
        { "root", TONG_JSON_OBJECT, sp_root, 0, 0, false },
        SP_FH("process", TONG_JSON_OBJECT, sp_process, tong_spec, process, has_process),
        SP_F("hostname", TONG_JSON_STRING, sp_string, tong_spec, hostname),
        SP_F("domainname", TONG_JSON_STRING, sp_string, tong_spec, domainname),
        { "mounts", TONG_JSON_ARRAY, sp_mounts, 0, 0, false },
        SP_F("hooks", TONG_JSON_OBJECT, sp_hooks, tong_spec, hooks),
        { "annotations", TONG_JSON_OBJECT, sp_annotations, 0, 0, false },
        SP_FH("linux", TONG_JSON_OBJECT, sp_linux, tong_spec, linux, has_linux),
        { "freebsd", TONG_JSON_OBJECT, sp_freebsd, 0, 0, false },
        SP_END,
};

/* Parse buf as a JSON object; errors in the JSON syntax itself carry no path. */
static int parse_json(const char *buf, size_t len, tong_json **ret, tong_err **err)
{
        int r;

        if (len > TONG_SPEC_MAX_SIZE)
                return tong_err_set(err, EFBIG, "document too large (%zu bytes, the limit is %u)",
                                    len, TONG_SPEC_MAX_SIZE);
        r = sp_check_raw(buf, len, err);
        if (r < 0)
                return r;
        return tong_json_parse(buf, len, ret, err);
}

int tong_spec_parse_buffer(const char *buf, size_t len, tong_spec **ret, tong_err **err)
{
        _cleanup_json_ tong_json *j = NULL;
        _cleanup_(tong_spec_freep) tong_spec *s = NULL;
        sp_ctx c;
        int r = parse_json(buf, len, &j, err);

        if (r < 0)
                return r;
        s = xcalloc(1, sizeof(*s));
        sp_init(&c, NULL, err);
        if (tong_json_type_of(j) != TONG_JSON_OBJECT)
                r = sp_error(&c, EINVAL, "expected an object at the top level, got %s",
                             tong_json_type_name(tong_json_type_of(j)));
        else
                r = sp_object(&c, j, spec_fields, s);
        sp_done(&c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

/* A piece of a config in its own document (`exec --process`, `update -r`), with `what` as
 * the path prefix; dst is filled by parse and, on failure, emptied by done. */
static int parse_part(const char *buf, size_t len, const char *what,
                      int (*parse)(sp_ctx *, const tong_json *, void *), void *dst, tong_err **err)
{
        _cleanup_json_ tong_json *j = NULL;
        sp_ctx c;
        int r = parse_json(buf, len, &j, err);

        if (r < 0)
                return r;
        sp_init(&c, what, err);
        r = parse(&c, j, dst);
        sp_done(&c);
        return r;
}

int tong_spec_parse_process(const char *buf, size_t len, const char *what, tong_process *ret,
                            tong_err **err)
{
        tong_process p = { 0 };
        int r = parse_part(buf, len, what, sp_process, &p, err);

        if (r < 0) {
                tong_process_done(&p);
                return r;
        }
        *ret = p;
        return 0;
}

int tong_spec_parse_resources(const char *buf, size_t len, const char *what, tong_resources *ret,
                              tong_err **err)
{
        tong_resources res = { 0 };
        int r = parse_part(buf, len, what, sp_resources, &res, err);

        if (r < 0) {
                tong_resources_done(&res);
                return r;
        }
        *ret = res;
        return 0;
}
