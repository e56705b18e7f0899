/* JSON responses and OpenAI's error shape. */
#include "reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *error_type(unsigned status)
{
    switch (status) {
    case 400: case 405: case 413: case 415: return "invalid_request_error";
    case 401: return "authentication_error";
    case 404: return "not_found_error";
    case 503: return "server_overloaded";
    default: return "server_error";
    }
}

serve_result serve_reply(struct MHD_Connection *conn, unsigned status, const char *type, const char *body,
                         size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    /* The page and the API are one origin; nothing here is for other sites' scripts. */
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (status == 503)
        MHD_add_response_header(r, "Retry-After", "1");
    if (status == 401)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    serve_result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

serve_result serve_reply_json(struct MHD_Connection *conn, unsigned status, const recur_strbuf *body)
{
    if (body->oom || !body->data) {
        static const char oom[] = "{\"error\":{\"message\":\"out of memory\",\"type\":\"server_error\","
                                  "\"param\":null,\"code\":null}}";
        return serve_reply(conn, 500, "application/json", oom, sizeof oom - 1);
    }
    return serve_reply(conn, status, "application/json", body->data, body->len);
}

void serve_error_json(recur_strbuf *b, unsigned status, const char *param, const char *message)
{
    recur_strbuf_puts(b, "{\"error\":{\"message\":");
    recur_strbuf_json_string(b, message, strlen(message));
    recur_strbuf_printf(b, ",\"type\":\"%s\",\"param\":", error_type(status));
    if (param && *param)
        recur_strbuf_json_string(b, param, strlen(param));
    else
        recur_strbuf_puts(b, "null");
    recur_strbuf_puts(b, ",\"code\":null}}");
}

serve_result serve_reply_error(struct MHD_Connection *conn, unsigned status, const char *param, const char *fmt,
                               ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    recur_strbuf b;
    recur_strbuf_init(&b);
    serve_error_json(&b, status, param, msg);
    serve_result rc = serve_reply_json(conn, status, &b);
    recur_strbuf_free(&b);
    return rc;
}
