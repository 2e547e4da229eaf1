/* iop_list.h: threaded-code instructions that are not plain wasm opcodes
 * and not superinstructions (those are in super_list.h): what the plain
 * register-threaded code needs besides the wasm opcodes.
 *
 * The handler table of exec.c has one entry per wasm opcode of op_list.h
 * (numeric ops, loads and stores run as themselves, in register form), then
 * one per row below. Operand layout: word 1 holds {a, b} 32-bit fields,
 * word 2 the third operand or an immediate; a result's slot is always
 * word 1 field a, so the compiler can retarget it (local.set fusion).
 */

/* IOP(NAME, WORDS)  -- WORDS: length of the instruction in 8-byte words */
IOP(COPY, 2)        /* fp[a] = fp[b] */
IOP(CONST32, 2)     /* fp[a].u32 = b */
IOP(CONST64, 3)     /* fp[a].u64 = word2 */
IOP(BR, 2)          /* goto word1 (reduction) */
IOP(BR_IF, 3)       /* if fp[a].u32 goto word2 (reduction when taken) */
IOP(BR_UNLESS, 3)   /* if !fp[a].u32 goto word2 */
IOP(BR_TABLE, 0)    /* i = fp[a].u32; goto word[2 + min(i, b - 1)] */
IOP(RETURN, 1)      /* results already in fp[0..n) */
IOP(CALL, 3)        /* call module function word2 with frame at fp + a */
IOP(CALL_L, 3)      /* the same, the callee having more than 4 locals */
IOP(CALL_FUNCINST, 2) /* call inst->funcs[b] (import: host or other inst) */
IOP(CALL_INDIRECT, 3) /* table word2.b, elem fp[b], type word2.a, frame a */
IOP(SELECT, 3)      /* fp[a] = fp[w2.b] ? fp[b] : fp[w2.a] */
IOP(GLOBAL_GET, 2)  /* fp[a] = globals[b] */
IOP(GLOBAL_SET, 2)  /* globals[b] = fp[a] */
IOP(REF_FUNC, 2)    /* fp[a].ref = inst->funcs[b] */
IOP(REF_IS_NULL, 2) /* fp[a].u32 = fp[b].ref == 0 */
IOP(TRAP, 2)        /* trap with kind a (unreachable) */
IOP(MEM_SIZE, 2)    /* fp[a].u32 = pages */
IOP(MEM_GROW, 2)    /* fp[a].i32 = grow(fp[b]) */
IOP(MEM_INIT, 3)    /* memory.init data w2.b: dst fp[a] src fp[b] n fp[w2.a] */
IOP(DATA_DROP, 2)   /* data.drop a */
IOP(MEM_COPY, 3)    /* dst fp[a] src fp[b] n fp[w2.a] */
IOP(MEM_FILL, 3)    /* dst fp[a] val fp[b] n fp[w2.a] */
IOP(TBL_GET, 3)     /* fp[a] = table[w2.a][fp[b]] */
IOP(TBL_SET, 3)     /* table[w2.a][fp[a]] = fp[b] */
IOP(TBL_SIZE, 2)    /* fp[a] = size of table b */
IOP(TBL_GROW, 3)    /* fp[a] = grow table w2.b by fp[w2.a], init fp[b] */
IOP(TBL_FILL, 3)    /* table w2.b: dst fp[a] val fp[b] n fp[w2.a] */
IOP(TBL_COPY, 4)    /* dst fp[a] src fp[b] n fp[w2.a]; tables w3.a <- w3.b */
IOP(TBL_INIT, 4)    /* dst fp[a] src fp[b] n fp[w2.a]; table w3.a elem w3.b */
IOP(ELEM_DROP, 2)   /* elem.drop a */
IOP(SIMD, 6)        /* fn word3 on fp[a], fp[w2.a], fp[w2.b]: simd.h */

#undef IOP
