/* Small helpers shared by the command: growable strings and string lists,
 * whole-file reads, directories. Allocation failure aborts: the command is a
 * short-lived tool and has nothing sensible to do without memory. */
#ifndef PVC_UTIL_H
#define PVC_UTIL_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
	char *s;
	size_t len, cap;
} pvc_buf;

typedef struct {
	char **v;       /* NULL-terminated */
	size_t n, cap;
} pvc_list;

void *pvc_alloc(size_t n);
void *pvc_grow(void *p, size_t n);
char *pvc_strdup(const char *s);
char *pvc_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void pvc_buf_add(pvc_buf *b, const char *s, size_t n);
void pvc_buf_puts(pvc_buf *b, const char *s);
/* A value for PVCHECK_OPTIONS that no separator in it can split: "..." with
 * '"' and '\\' escaped (lib/options.c). */
char *pvc_option_quote(const char *v);
void pvc_buf_printf(pvc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pvc_buf_free(pvc_buf *b);

void pvc_list_add(pvc_list *l, const char *s);
void pvc_list_take(pvc_list *l, char *s);
/* Append the words of s, split on blanks. */
void pvc_list_split(pvc_list *l, const char *s);
void pvc_list_free(pvc_list *l);

/* The whole file, NUL-terminated; NULL with errno set on failure. */
char *pvc_read_file(const char *path, size_t *len);
/* Up to max lines of a file, each indented by indent; "" when unreadable. */
char *pvc_head_lines(const char *path, int max, const char *indent);
int pvc_write_file(const char *path, const char *s);
int pvc_mkdirs(const char *path);
/* Write a new file: whatever was at path (a planted symbolic link) is
 * removed first, never followed. */
int pvc_create_file(const char *path, const char *s);
/* pvc_mkdirs, refusing (ELOOP, ENOTDIR) any component that is a symbolic
 * link or not a directory: for trees we build in, such as --keep DIR. */
int pvc_mkdirs_real(const char *path);
int pvc_rmtree(const char *path);
/* A new directory under $TMPDIR (else /tmp), by its real path; NULL with
 * errno on failure. */
char *pvc_temp_dir(void);
int pvc_is_dir(const char *path);
int pvc_exists(const char *path);
/* dir/name as a new string. */
char *pvc_join(const char *dir, const char *name);
const char *pvc_basename(const char *path);
/* A command's usage error: msg, the first line of its help text, a pointer
 * to its --help; returns 2, the usage status. */
int pvc_usage_error(const char *cmd, const char *help, const char *msg);
/* Parse a positive number of seconds; 0 on success. */
int pvc_parse_seconds(const char *s, double *out);

#endif
