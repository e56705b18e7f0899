/* The server's limits and their defaults (each has a flag in cmd_serve.c). */
#include "serve.h"

void serve_limits_default(serve_limits *l)
{
    l->max_tokens = 4096;
    l->default_max_tokens = 16;
    l->max_n = 8;
    l->max_body = 1 << 20;
    l->max_prompt = 16384;
    l->request_seconds = 300;
    l->idle_seconds = 15;
    l->slots = 64;
    l->queue = 256;
    l->max_connections = 512;
    l->map_max = 1000;
}
