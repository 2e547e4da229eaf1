/* backtrace.c: the wasm call stack of a trapped or paused execution, with
 * the function names of the module's name section, for trap reports.
 * Interface: vm.h (vm_exec_backtrace, vm_exec_backtrace_format).
 *
 * Nothing is recorded while code runs: at a trap (or a pause) the
 * interpreter has saved pc and the instance (vm_exec_t), and every control
 * frame below holds where its caller continues (ret_pc) and the caller's
 * instance. The instruction before a ret_pc is the call itself, so looking
 * ret_pc - 1 up among the compiled functions names the caller and the
 * offset of its call. */
#include "common/lun_prefix.h"

#include "vm/vm_int.h"

#include <stdio.h>
#include <string.h>

/* Names longer than this are cut in the formatted lines (mangled C++ and
 * Rust names run to hundreds of bytes). */
#define BT_NAME_MAX 160

/* True when ex stopped inside wasm code: trapped, or paused between
 * vm_run calls (yielded, blocked), or prepared but not yet run. */
static bool has_wasm_stack(const vm_exec_t *ex)
{
    if (ex->state != VM_EXEC_TRAPPED && ex->state != VM_EXEC_READY)
        return false;
    return ex->entry && !ex->entry->host && ex->pc && ex->inst;
}

static void describe(const vm_instance_t *inst, const vm_op *pc,
                     vm_frame_info *out)
{
    const vm_code *c = vm__code_at(inst, pc);
    out->func_idx = c ? c->func_idx : UINT32_MAX;
    out->name = c ? c->func->name : NULL;
    out->offset = c ? vm__code_offset_of(c, (size_t)(pc - c->ops)) : 0;
}

uint32_t vm_exec_backtrace(const vm_exec_t *ex, vm_frame_fn fn, void *ud)
{
    if (!has_wasm_stack(ex)) return 0;
    uint32_t total = ex->depth + 1;
    if (!fn) return total;
    vm_frame_info f;
    describe(ex->inst, ex->pc, &f);
    if (!fn(ud, 0, &f)) return total;
    for (uint32_t k = ex->depth; k > 0; k--) {
        const vm_frame *fr = &ex->frames[k - 1];
        describe(fr->inst, fr->ret_pc - 1, &f);
        if (!fn(ud, ex->depth - k + 1, &f)) break;
    }
    return total;
}

/* {===== formatting */

typedef struct bt_out {
    char *buf;
    size_t len, used;
    uint32_t max_frames, shown;
} bt_out;

/* Room kept for the "... more" line, so a full buffer can still say what
 * it left out. */
#define BT_MORE_ROOM 48

static bool append_frame(void *ud, uint32_t index, const vm_frame_info *f)
{
    bt_out *o = ud;
    if (index >= o->max_frames) return false;
    char line[BT_NAME_MAX + 80];
    if (f->func_idx == UINT32_MAX)
        snprintf(line, sizeof line, "  at #%u ? (code not found)\n", index);
    else if (f->name)
        snprintf(line, sizeof line, "  at #%u %.*s (func %u, offset 0x%x)\n",
                 index, BT_NAME_MAX, f->name, f->func_idx, f->offset);
    else
        snprintf(line, sizeof line, "  at #%u func[%u] (offset 0x%x)\n",
                 index, f->func_idx, f->offset);
    size_t n = strlen(line);
    if (o->used + n + BT_MORE_ROOM >= o->len) return false;
    memcpy(o->buf + o->used, line, n + 1);
    o->used += n;
    o->shown++;
    return true;
}

uint32_t vm_exec_backtrace_format(const vm_exec_t *ex, char *buf, size_t len,
                                  uint32_t max_frames)
{
    if (len == 0) return vm_exec_backtrace(ex, NULL, NULL);
    buf[0] = '\0';
    bt_out o = {buf, len, 0, max_frames, 0};
    uint32_t total = vm_exec_backtrace(ex, append_frame, &o);
    if (o.shown < total && len > BT_MORE_ROOM)
        snprintf(buf + o.used, len - o.used, "  ... %u more frames\n",
                 total - o.shown);
    return total;
}

/* }===== */
