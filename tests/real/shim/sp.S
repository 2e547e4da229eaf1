/* sp.S: read and write the C stack pointer (the global __stack_pointer,
 * which C cannot name), for sjlj.c: Asyncify does not save it. */
	.globaltype __stack_pointer, i32

	.globl real_sjlj_get_sp
	.type real_sjlj_get_sp,@function
real_sjlj_get_sp:
	.functype real_sjlj_get_sp () -> (i32)
	global.get __stack_pointer
	end_function

	.globl real_sjlj_set_sp
	.type real_sjlj_set_sp,@function
real_sjlj_set_sp:
	.functype real_sjlj_set_sp (i32) -> ()
	local.get 0
	global.set __stack_pointer
	end_function
