/*
 * Real-mode guest code of leafsweep: CPUID for a list of (eax, ecx) queries, the answers stored
 * next to them, then one OUT so that the VMM checks them and refills the list.
 *
 * Every segment base is 0 and every address below 64 KiB (offsets must match leafsweep.c). The
 * only instructions that exit are the CPUIDs and the one OUT per chunk; nested-paging faults on
 * the first touch of a page and host interrupts may exit too.
 */
	.code16
	.section .rodata.leafsweep_guest, "a"
	.globl leafsweep_guest_start, leafsweep_guest_end

	.set CTL_N, 0x2000		/* u32: queries in this chunk */
	.set QUERIES, 0x4000		/* u32 eax, u32 ecx per query */
	.set ANSWERS, 0x8000		/* u32 eax, ebx, ecx, edx per query */
	.set CHUNK_PORT, 0x80		/* "chunk done": the VMM checks, refills and resumes */

leafsweep_guest_start:
1:	movl	CTL_N, %ebp
	movl	$QUERIES, %esi
	movl	$ANSWERS, %edi
2:	testl	%ebp, %ebp
	jz	3f
	movl	(%esi), %eax
	movl	4(%esi), %ecx
	cpuid
	movl	%eax, (%edi)
	movl	%ebx, 4(%edi)
	movl	%ecx, 8(%edi)
	movl	%edx, 12(%edi)
	addl	$8, %esi
	addl	$16, %edi
	decl	%ebp
	jmp	2b
3:	outb	%al, $CHUNK_PORT
	jmp	1b
leafsweep_guest_end:
	.section .note.GNU-stack, "", @progbits
