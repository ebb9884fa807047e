#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include "figures.h"

int pvc_figures_lines(const char *regex, const char *path, int max, pvc_list *out)
{
	regex_t re;
	if (regcomp(&re, regex, REG_EXTENDED | REG_NOSUB))
		return -1;
	char *text = path ? pvc_read_file(path, NULL) : NULL;
	if (!text) {
		regfree(&re);
		return -1;
	}
	int n = 0;
	for (char *line = text, *next; line && *line && n < max; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!regexec(&re, line, 0, NULL, 0)) {
			pvc_list_add(out, line);
			n++;
		}
	}
	free(text);
	regfree(&re);
	return n;
}
