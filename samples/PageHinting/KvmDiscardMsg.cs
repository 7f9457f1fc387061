namespace PinApi.Samples.PageHinting;

/// <summary>
/// <c>struct kvm_discard_msg { __u64 iov_len, iov_base, in_addr; }</c>, the argument of the series' new
/// <c>KVM_DISCARD_RANGE _IOW(KVMIO, 0x49, struct kvm_discard_msg)</c>: a host virtual range and its guest physical address.
/// </summary>
public readonly record struct KvmDiscardMsg(ulong IovLen, ulong IovBase, ulong InAddr);
