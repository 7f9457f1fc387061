namespace PinApi.Contracts;

/// <summary>
/// Marks an API renamed by the seed series (<c>put_user_page*()</c> → <c>unpin_user_page*()</c>): calls keep
/// compiling and can be rewritten mechanically to <see cref="Replacement"/>, a method of the same class with the
/// same parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ReplacedByAttribute : Attribute
{
    public ReplacedByAttribute(string replacement) => Replacement = replacement;

    /// <summary>The name of the method that replaces this one.</summary>
    public string Replacement { get; }
}
