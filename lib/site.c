#include "base.h"
#include "session.h"
#include "site.h"

/* Sites live in one array indexed by id; a lock-free open-addressing index
 * finds one by its context. The index is small enough that a program's
 * sites touch few of its pages. */
#define MAX_SITES (1u << 18)
#define INDEX_SIZE (1u << 19)

__thread pv_site_entry pv_site_cache[PV_SITE_CACHE] __attribute__((tls_model("initial-exec")));

static uint64_t *sites;
static uint32_t *index_;
static uint32_t local_count;
static uint32_t *nsites = &local_count; /* site 0 is none: ids start at 1 */
static int ready;
static pv_lock init_lock;

static void init(void)
{
	pv_lock_acquire(&init_lock);
	if (!__atomic_load_n(&ready, __ATOMIC_RELAXED)) {
		sites = pv_session_region(PV_REGION_SITES, MAX_SITES * sizeof *sites);
		if (sites) {
			index_ = pv_session_region(PV_REGION_SITE_INDEX, INDEX_SIZE * sizeof *index_);
			nsites = pv_session_region(PV_REGION_SITE_COUNT, sizeof *nsites);
		} else {
			sites = pv_map(MAX_SITES * sizeof *sites);
			index_ = pv_map(INDEX_SIZE * sizeof *index_);
		}
		uint32_t zero = 0;
		__atomic_compare_exchange_n(nsites, &zero, 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	pv_lock_release(&init_lock);
}

uint32_t pv_site_intern_slow(uint64_t ctx)
{
	if (PV_UNLIKELY(!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)))
		init();
	uint32_t mine = 0;
	for (uint32_t i = (uint32_t)(pv_mix64(ctx) & (INDEX_SIZE - 1));; i = (i + 1) & (INDEX_SIZE - 1)) {
		uint32_t id = __atomic_load_n(&index_[i], __ATOMIC_ACQUIRE);
		if (id == 0) {
			if (!mine) {
				mine = __atomic_fetch_add(nsites, 1, __ATOMIC_RELAXED);
				if (mine >= MAX_SITES)
					return 0;
				__atomic_store_n(&sites[mine], ctx, __ATOMIC_RELAXED);
			}
			if (__atomic_compare_exchange_n(&index_[i], &id, mine, 0, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
				return mine;
			/* Lost the slot: id is what won it; fall through to compare. */
		}
		if (__atomic_load_n(&sites[id], __ATOMIC_RELAXED) == ctx)
			return id; /* a site we made and lost stays unused */
	}
}

uint64_t pv_site_ctx(uint32_t id)
{
	if (!id || !__atomic_load_n(&ready, __ATOMIC_ACQUIRE) || id >= MAX_SITES)
		return 0;
	return __atomic_load_n(&sites[id], __ATOMIC_RELAXED);
}
