/* Start-up and shut-down of the runtime. */
#ifndef PV_INIT_H
#define PV_INIT_H

/* Idempotent; called by __tsan_init from every instrumented module's constructor. */
void pv_runtime_init(void);
int pv_runtime_ready(void);

#endif
