#define _POSIX_C_SOURCE 200809L /* sysconf */
#ifdef RECUR_HAVE_MPI
#include <mpi.h> /* before recur.h, which then declares recur_comm_mpi */
#endif

#include "dist_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "args.h"

#ifdef RECUR_HAVE_MPI
/* The variables the launchers of Open MPI, MPICH (Hydra) and Slurm (srun
 * with PMI or PMIx) set in each process they start. */
static int launched_by_mpi(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK", "MPI_LOCALNRANKS"};
    for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++)
        if (getenv(vars[k]))
            return 1;
    return 0;
}

int cli_dist_begin(cli_dist *d, const char *cmd, int *argc, char ***argv)
{
    d->comm = NULL;
    d->rank = 0;
    d->size = 1;
    d->local_size = 1;
    d->started = 0;
    d->settled = 0;
    if (!launched_by_mpi())
        return 0;
    /* Each rank computes with its own OpenMP threads; only the main thread calls MPI. */
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return cli_error(cmd, "MPI_Init failed"), 1;
    d->started = 1;
    recur_error err = {0};
    if (recur_comm_mpi(MPI_COMM_WORLD, &d->comm, &err)) {
        cli_error(cmd, "%s", err.msg);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    d->rank = d->comm->rank;
    d->size = d->comm->size;
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_size(node, &d->local_size);
        MPI_Comm_free(&node);
    }
    return 0;
}

void cli_dist_end(cli_dist *d)
{
    recur_comm_free(d->comm);
    d->comm = NULL;
    if (d->started)
        MPI_Finalize();
    d->started = 0;
}

const char *cli_dist_build(void)
{
    static char text[MPI_MAX_LIBRARY_VERSION_STRING + 16];
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(lib, &len);
    /* The first line is enough ("Open MPI v4.1.4, package: ..."). */
    for (int k = 0; k < len; k++)
        if (lib[k] == '\n' || lib[k] == ',') {
            lib[k] = '\0';
            break;
        }
    snprintf(text, sizeof text, "MPI (%s)", lib);
    return text;
}
#else
int cli_dist_begin(cli_dist *d, const char *cmd, int *argc, char ***argv)
{
    (void)cmd;
    (void)argc;
    (void)argv;
    d->comm = NULL;
    d->rank = 0;
    d->size = 1;
    d->local_size = 1;
    d->started = 0;
    d->settled = 0;
    return 0;
}

void cli_dist_end(cli_dist *d) { (void)d; }

const char *cli_dist_build(void) { return "no MPI (build with -DRECUR_USE_MPI=ON for mpirun recur train)"; }
#endif

int cli_dist_any(cli_dist *d, int flag)
{
    if (!d->comm)
        return flag != 0;
    int64_t v = flag != 0;
    recur_error err;
    if (d->comm->allreduce(d->comm, &v, 1, RECUR_DT_I64, RECUR_REDUCE_MAX, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        d->comm->abort(d->comm, 1);
    }
    return v != 0;
}

int cli_dist_agree(cli_dist *d, const char *cmd, int rc)
{
    if (!d->comm)
        return rc;
    d->settled = 1;
    recur_error err = {0};
    snprintf(err.msg, sizeof err.msg, "failed (its message is above)");
    if (recur_comm_agree(d->comm, rc ? RECUR_E_ARG : RECUR_OK, &err) == RECUR_OK)
        return 0;
    if (!rc)
        cli_error(cmd, "stopping: %s", err.msg);
    return rc ? rc : 1;
}

int cli_dist_settle(cli_dist *d, const char *cmd, int rc)
{
    if (!d->comm || d->settled)
        return rc;
    return cli_dist_agree(d, cmd, rc);
}

int cli_dist_default_threads(const cli_dist *d)
{
    if (d->local_size <= 1)
        return 0; /* recur_set_threads: one per core */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long each = cores / d->local_size;
    return each > 1 ? (int)each : 1;
}
