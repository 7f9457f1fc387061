namespace PinApi;

/// <summary>PROT_* bits of a mapping.</summary>
[Flags]
public enum Protection
{
    None = 0,
    Read = 1,
    Write = 2,
    Exec = 4,
    ReadWrite = Read | Write,
}
