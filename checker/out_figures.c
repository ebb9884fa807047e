/* Under the table: each demonstration's key figures, as its program printed
 * them under pvcheck's runtime. */
#include "figures.h"
#include "output.h"

void pvc_print_figures(FILE *f, const pvc_report *rep)
{
	int any = 0;
	for (int i = 0; i < rep->nresults; i++) {
		const pvc_result *r = &rep->results[i];
		pvc_list lines = {0};
		if (!r->v->figures || !r->pv.ran ||
		    pvc_figures_lines(r->v->figures, r->pv.out_path, PVC_MAX_FIGURES, &lines) <= 0) {
			pvc_list_free(&lines);
			continue;
		}
		if (!any++)
			fprintf(f, "\nFigures (the programs' own output under pvcheck's runtime; the "
				"instrumentation slows them,\nso compare the rows of one run with each "
				"other; pvcheck explain CASE runs one again):\n");
		fprintf(f, "  %s [%s]\n", r->c->id, r->v->name);
		for (size_t k = 0; k < lines.n; k++)
			fprintf(f, "    %s\n", lines.v[k]);
		pvc_list_free(&lines);
	}
}
