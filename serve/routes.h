/* The endpoints. Each answers one serve_call and returns what
 * MHD_queue_response returned. */
#ifndef RECUR_SERVE_ROUTES_H
#define RECUR_SERVE_ROUTES_H

#include "http.h"

serve_result route_page(serve_call *c);
serve_result route_health(serve_call *c);
serve_result route_models(serve_call *c);
serve_result route_completions(serve_call *c);
serve_result route_embeddings(serve_call *c);
serve_result route_vectors_nearest(serve_call *c);
serve_result route_vectors_analogy(serve_call *c);
serve_result route_vectors_map(serve_call *c);

/* serve/page/index.html, compiled in (serve/embed.cmake writes page_data.c). */
extern const unsigned char serve_page_html[];
extern const unsigned long serve_page_html_len;

#endif
