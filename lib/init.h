/* Start-up and shut-down of the runtime. */
#ifndef PV_INIT_H
#define PV_INIT_H

/* Idempotent; called by __tsan_init from every instrumented module's constructor. */
void pv_runtime_init(void);
int pv_runtime_ready(void);
/* Register the runtime's fork handlers (intercept_process.c). */
void pv_process_init(void);
/* Register the descriptor model's fork handler (intercept_fd.c). */
void pv_descriptors_init(void);
/* Make the key that ends threads after their TLS destructors (intercept_pthread.c). */
void pv_thread_end_init(void);

#endif
