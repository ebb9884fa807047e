/* Go-like channels for C threads: unbuffered and buffered channels of
 * fixed-size elements, close, non-blocking try variants and select.
 *
 * Memory model (what both checkers are told, as in Go):
 *  - a send happens before the receive that gets its value completes;
 *  - a close happens before a receive that sees the channel closed;
 *  - with capacity C, the k-th receive happens before the (k+C)-th send
 *    completes (unbuffered: a receive happens before its send completes).
 *
 * Misuse is fatal, as a Go panic is: sending on or closing a closed
 * channel prints "pvchan: ..." and aborts (under pvcheck's runtime it is
 * reported first as api-misuse), and so is closing NULL. A NULL channel is
 * Go's nil channel otherwise: send and receive on it block for ever, the try
 * variants return PV_CHAN_WOULDBLOCK. Link with libpvchan.a. */
#ifndef PVCHAN_H
#define PVCHAN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_chan pv_chan;

/* What send, receive and select return. */
enum {
	PV_CHAN_OK = 0,         /* the element was sent or received */
	PV_CHAN_CLOSED = 1,     /* receive: the channel is closed and drained */
	PV_CHAN_WOULDBLOCK = 2  /* try variants: nothing could be done now */
};

/* A channel of elements of elem_size bytes holding up to capacity of them
 * (0: unbuffered, a send waits for its receiver). NULL when out of memory. */
pv_chan *pv_chan_make(size_t elem_size, size_t capacity);
/* Free a channel nobody uses any more. A rendezvous is over for both sides
 * once either returns: the receiver of an unbuffered send may free the
 * channel at once, though the sender has not yet returned. */
void pv_chan_free(pv_chan *c);

/* Block until the element is taken (unbuffered) or buffered. */
int pv_chan_send(pv_chan *c, const void *elem);
/* Block until an element arrives (copied to elem, which may be NULL) or the
 * channel is closed and empty: PV_CHAN_OK or PV_CHAN_CLOSED. */
int pv_chan_recv(pv_chan *c, void *elem);
/* No more sends; receivers drain what is buffered, then see PV_CHAN_CLOSED. */
void pv_chan_close(pv_chan *c);

/* As send/recv, but PV_CHAN_WOULDBLOCK instead of waiting. */
int pv_chan_try_send(pv_chan *c, const void *elem);
int pv_chan_try_recv(pv_chan *c, void *elem);

/* Elements buffered now, and the capacity. */
size_t pv_chan_len(pv_chan *c);
size_t pv_chan_cap(pv_chan *c);

/* One arm of a select. */
typedef enum { PV_CHAN_SEND, PV_CHAN_RECV } pv_chan_dir;
typedef struct {
	pv_chan *chan;   /* NULL: the arm is never ready (as a nil channel in Go) */
	pv_chan_dir dir;
	void *elem;      /* the element to send, or where to receive (may be NULL) */
	int result;      /* set for the chosen arm: PV_CHAN_OK or PV_CHAN_CLOSED */
} pv_chan_case;

/* Wait until one of the n arms can proceed, perform it and return its index;
 * among several ready arms one is chosen at random. With block == 0, return
 * -1 at once when none is ready (Go's select with a default). A select with
 * no arm that can ever be ready blocks forever, as in Go. */
int pv_chan_select(pv_chan_case *arms, size_t n, int block);

#ifdef __cplusplus
}
#endif

#endif
