/* Responses: JSON bodies and OpenAI's error shape,
 *   {"error": {"message": "...", "type": "...", "param": "..." | null, "code": null}} */
#ifndef RECUR_SERVE_REPLY_H
#define RECUR_SERVE_REPLY_H

#include <microhttpd.h>
#include <stddef.h>

#include "core/strbuf.h"

/* libmicrohttpd before 0.9.71 returned int from its callbacks. */
#if MHD_VERSION < 0x00097002
typedef int serve_result;
#else
typedef enum MHD_Result serve_result;
#endif

/* Queues body (which the response copies) with its status and content type. */
serve_result serve_reply(struct MHD_Connection *conn, unsigned status, const char *type, const char *body,
                         size_t len);
/* A JSON body; an out-of-memory buffer becomes a 500. */
serve_result serve_reply_json(struct MHD_Connection *conn, unsigned status, const recur_strbuf *body);
/* An error in OpenAI's shape; the type follows from the status
 * (invalid_request_error, authentication_error, not_found_error, ...).
 * param may be NULL or "". */
serve_result serve_reply_error(struct MHD_Connection *conn, unsigned status, const char *param, const char *fmt,
                               ...) __attribute__((format(printf, 4, 5)));
/* The error body alone (streams send it as an event). */
void serve_error_json(recur_strbuf *b, unsigned status, const char *param, const char *message);

#endif
