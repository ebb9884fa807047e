#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util.h"

void *pvc_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p) {
		fputs("pvcheck: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *pvc_grow(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("pvcheck: out of memory\n", stderr);
		abort();
	}
	return p;
}

char *pvc_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(pvc_alloc(n), s, n);
}

static char *vformat(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	char probe[1];
	int n = vsnprintf(probe, sizeof probe, fmt, aq);
	va_end(aq);
	char *s = pvc_alloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *pvc_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

void pvc_buf_add(pvc_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = pvc_grow(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void pvc_buf_puts(pvc_buf *b, const char *s)
{
	pvc_buf_add(b, s, strlen(s));
}

void pvc_buf_printf(pvc_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	pvc_buf_puts(b, s);
	free(s);
}

void pvc_buf_free(pvc_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

void pvc_list_take(pvc_list *l, char *s)
{
	if (l->n + 2 > l->cap) {
		l->cap = (l->n + 2) * 2;
		l->v = pvc_grow(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

void pvc_list_add(pvc_list *l, const char *s)
{
	pvc_list_take(l, pvc_strdup(s));
}

void pvc_list_split(pvc_list *l, const char *s)
{
	while (s && *s) {
		s += strspn(s, " \t\r\n");
		size_t n = strcspn(s, " \t\r\n");
		if (!n)
			break;
		char *w = pvc_alloc(n + 1);
		memcpy(w, s, n);
		pvc_list_take(l, w);
		s += n;
	}
}

void pvc_list_free(pvc_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

char *pvc_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	pvc_buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		pvc_buf_add(&b, chunk, n);
	int err = ferror(f);
	fclose(f);
	if (err) {
		pvc_buf_free(&b);
		errno = EIO;
		return NULL;
	}
	if (!b.s)
		b.s = pvc_strdup("");
	if (len)
		*len = b.len;
	return b.s;
}

char *pvc_head_lines(const char *path, int max, const char *indent)
{
	pvc_buf b = {0};
	pvc_buf_puts(&b, "");
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f)
		return b.s;
	char line[512];
	int n = 0;
	while (n < max && fgets(line, sizeof line, f)) {
		size_t k = strlen(line);
		int whole = k && line[k - 1] == '\n';
		pvc_buf_printf(&b, "%s%s%s", indent, line, whole ? "" : "\n");
		/* Drop the rest of an overlong line. */
		while (!whole && fgets(line, sizeof line, f)) {
			k = strlen(line);
			whole = k && line[k - 1] == '\n';
		}
		n++;
	}
	fclose(f);
	return b.s;
}

int pvc_write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(s, f);
	return fclose(f) ? -1 : 0;
}

int pvc_create_file(const char *path, const char *s)
{
	if (unlink(path) && errno != ENOENT)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	size_t n = strlen(s);
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return close(fd);
}

int pvc_mkdirs_real(const char *path)
{
	char *p = pvc_strdup(path);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = 0;
		struct stat st;
		/* Another worker may make it between our look and our mkdir. */
		if (lstat(p, &st) && (errno != ENOENT || (mkdir(p, 0777) && errno != EEXIST) ||
				      lstat(p, &st)))
			rc = -1;
		else if (!S_ISDIR(st.st_mode)) {
			errno = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
			rc = -1;
		}
		*s = c;
		if (rc || !c)
			break;
	}
	free(p);
	return rc;
}

int pvc_mkdirs(const char *path)
{
	char *p = pvc_strdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0777) && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int r = mkdir(p, 0777);
	free(p);
	return r && errno != EEXIST ? -1 : 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

int pvc_rmtree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int pvc_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int pvc_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

char *pvc_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	if (n && dir[n - 1] == '/')
		return pvc_printf("%s%s", dir, name);
	return pvc_printf("%s/%s", dir, name);
}

const char *pvc_basename(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int pvc_parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (errno || end == s || *end || !(d > 0) || d > 86400)
		return -1;
	*out = d;
	return 0;
}

int pvc_usage_error(const char *cmd, const char *help, const char *msg)
{
	size_t n = strcspn(help, "\n");
	fprintf(stderr, "pvcheck%s%s: %s\nusage: %.*s\nTry 'pvcheck %s%s--help'.\n", cmd ? " " : "",
		cmd ? cmd : "", msg, (int)n, help, cmd ? cmd : "", cmd ? " " : "");
	return 2;
}

char *pvc_temp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = pvc_printf("%s/pvcheck-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	/* Without links in it, so that the variants' directories can refuse any. */
	char *abs = realpath(dir, NULL);
	if (abs) {
		free(dir);
		dir = abs;
	}
	return dir;
}

char *pvc_option_quote(const char *v)
{
	pvc_buf b = {0};
	pvc_buf_puts(&b, "\"");
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			pvc_buf_add(&b, "\\", 1);
		pvc_buf_add(&b, v, 1);
	}
	pvc_buf_puts(&b, "\"");
	return b.s;
}
