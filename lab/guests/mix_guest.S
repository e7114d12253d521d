/*
 * Real-mode guest code of mixguest: a known mix of VM exits, then optional CPUID queries.
 *
 * Runs in real mode with every segment base 0 and %bp = the address of this vCPU's own data
 * block (layout in mixguest.c; %bp addressing is SS-relative, SS base is 0). The only
 * instructions that exit are the ones the mix asks for; besides them only nested-paging faults
 * on first touch and host interrupts exit, which the lab treats as noise.
 */
	.code16
	.section .rodata.mix_guest, "a"
	.globl mix_guest_start, mix_guest_end

/* Offsets in the data block (must match struct mix_block in mixguest.c). */
	.set N_CPUID, 0x00
	.set N_IO, 0x04
	.set N_MSR, 0x08
	.set N_QUERY, 0x0c
	.set QUIET_TRIES, 0x10
	.set ATTEMPTS, 0x14
	.set QUERY_END, 0x18
	.set QUERIES, 0x20
	.set RESULTS, 0x120
	.set IO_PORT, 0x80		/* the VMM ignores writes here */
	.set MSR_UCODE_REV, 0x8b	/* intercepted on SVM; KVM ignores guest writes */

mix_guest_start:
	movl	N_CPUID(%bp), %esi
1:	test	%esi, %esi
	jz	2f
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	decl	%esi
	jmp	1b

2:	movl	N_IO(%bp), %esi
3:	test	%esi, %esi
	jz	4f
	outb	%al, $IO_PORT
	decl	%esi
	jmp	3b

4:	movl	N_MSR(%bp), %esi
5:	test	%esi, %esi
	jz	6f
	movl	$MSR_UCODE_REV, %ecx
	rdmsr
	wrmsr
	decl	%esi
	jmp	5b

	/* Queries: si = next (eax, ecx) pair, di = next result slot, both DS-relative (base 0). */
6:	movl	$0, ATTEMPTS(%bp)
	movw	N_QUERY(%bp), %ax
	shlw	$3, %ax
	leaw	QUERIES(%bp), %si
	addw	%si, %ax
	movw	%ax, QUERY_END(%bp)
7:	incl	ATTEMPTS(%bp)
	leaw	QUERIES(%bp), %si
	leaw	RESULTS(%bp), %di
8:	cmpw	QUERY_END(%bp), %si
	jae	9f
	movl	(%si), %eax
	movl	4(%si), %ecx
	cpuid
	movl	%eax, (%di)
	movl	%ebx, 4(%di)
	movl	%ecx, 8(%di)
	movl	%edx, 12(%di)
	addw	$8, %si
	addw	$16, %di
	jmp	8b

	/*
	 * Quiet check: the list starts and ends with the total leaf, so if nothing but our own
	 * queries exited in between, last.eax - first.eax == n_query - 1. Otherwise retry.
	 */
9:	movl	QUIET_TRIES(%bp), %eax
	test	%eax, %eax
	jz	10f
	cmpl	ATTEMPTS(%bp), %eax
	jbe	10f
	movl	N_QUERY(%bp), %ecx
	decl	%ecx
	movl	-16(%di), %eax
	subl	RESULTS(%bp), %eax
	cmpl	%ecx, %eax
	jne	7b

10:	hlt
	jmp	10b
mix_guest_end:
	.section .note.GNU-stack, "", @progbits
