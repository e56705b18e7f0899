/*
 * recur: recurrent neural networks over text.
 *
 * The only header a user of the library includes. It pulls in the parts of
 * the public API, one header per capability, under include/recur/.
 *
 * Conventions for every function in the API:
 *  - It returns a recur_status (RECUR_OK on success).
 *  - Its last argument is a recur_error* that may be NULL; on failure it is
 *    filled with the status and one human-readable line naming the file,
 *    offset, flag or value at fault.
 *  - Objects are created by *_create / *_load and released by *_free, which
 *    accepts NULL. The library keeps no global mutable state.
 */
#ifndef RECUR_H
#define RECUR_H

#include "recur/error.h"
#include "recur/threads.h"
#include "recur/text.h"
#include "recur/model.h"
#include "recur/train.h"
#include "recur/dist.h"
#include "recur/sample.h"
#include "recur/generate.h"
#include "recur/w2v.h"
#include "recur/viz.h"
#include "recur/gradflow.h"
#include "recur/task.h"
#include "recur/run.h"

#endif
