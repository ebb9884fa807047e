#define _GNU_SOURCE
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "elfcheck.h"
#include "util.h"

static int is_exec_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* As execvp: a name with '/' is a path; otherwise the first PATH entry
 * holding an executable file of that name (an empty entry is "."). */
static char *resolve(const char *prog)
{
	if (strchr(prog, '/'))
		return pvc_strdup(prog);
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;; p++) {
		size_t n = strcspn(p, ":");
		char *cand = n ? pvc_printf("%.*s/%s", (int)n, p, prog) : pvc_strdup(prog);
		if (is_exec_file(cand))
			return cand;
		free(cand);
		p += n;
		if (!*p)
			return NULL;
	}
}

/* Does a symbol table of the file name __tsan_init (defined by TSan's
 * static runtime, or needed from its shared one)? */
static int names_tsan(Elf *e)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; d && i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym))
				continue;
			const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (name && !strcmp(name, "__tsan_init"))
				return 1;
		}
	}
	return 0;
}

static int has_marker(Elf *e)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(e, &shstrndx))
		return 0;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
		if (name && !strcmp(name, PVC_RUNTIME_SECTION))
			return 1;
	}
	return 0;
}

pvc_carries pvc_elf_carries(const char *prog, char **found)
{
	char *path = resolve(prog);
	*found = path;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return PVC_CARRIES_UNKNOWN;
	char head[2];
	if (pread(fd, head, 2, 0) == 2 && head[0] == '#' && head[1] == '!') {
		close(fd);
		return PVC_CARRIES_SCRIPT;
	}
	pvc_carries c = PVC_CARRIES_UNKNOWN;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	if (e && elf_kind(e) == ELF_K_ELF)
		c = has_marker(e) ? PVC_CARRIES_PVCHECK : names_tsan(e) ? PVC_CARRIES_TSAN
			: PVC_CARRIES_NONE;
	if (e)
		elf_end(e);
	close(fd);
	return c;
}
