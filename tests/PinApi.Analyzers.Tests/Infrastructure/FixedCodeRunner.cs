using System.Reflection;
using System.Runtime.Loader;
using Xunit;

namespace PinApi.Analyzers.Tests.Infrastructure;

/// <summary>
/// Compiles a test source (the original or the fixed one) against PinApi.dll and runs one of its static methods, so a
/// fix test can show that the fixed code behaves right on the simulated kernel, not only that it reads right.
/// </summary>
internal static class FixedCodeRunner
{
    public static object? Run(string source, string type, string method, params object[] arguments)
    {
        object? result = null;
        WithAssembly(source, assembly => result = Invoke(assembly.GetType(type, throwOnError: true)!, null, method, arguments));
        return result;
    }

    /// <summary>Calls <paramref name="method"/> on <paramref name="instance"/> (null for a static method), unwrapping its exception.</summary>
    public static object? Invoke(Type type, object? instance, string method, params object[] arguments)
    {
        var target = type.GetMethod(method, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance)!;
        try
        {
            return target.Invoke(instance, arguments);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            throw exception.InnerException;
        }
    }

    /// <summary>Compiles <paramref name="source"/> and hands its loaded assembly to <paramref name="body"/>, then unloads it.</summary>
    public static void WithAssembly(string source, Action<Assembly> body)
    {
        var compilation = CompilationFactory.Create(TestEnvironment.Usings + source);
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error)));
        image.Position = 0;
        var context = new AssemblyLoadContext("fixed-code", isCollectible: true);
        try
        {
            body(context.LoadFromStream(image));
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>A mainline machine with <paramref name="pages"/> faulted anonymous pages mapped at the returned address.</summary>
    public static (PhysicalMemory Memory, AddressSpace Mm, ulong Address) Machine(int pages, GupSemantics semantics = GupSemantics.Mainline)
    {
        var memory = new PhysicalMemory(4096, 0, 0, 0, 64) { Semantics = semantics };
        var mm = new AddressSpace(memory);
        var address = mm.Mmap((ulong)(pages * PhysicalMemory.PageSize), Protection.ReadWrite, VmaKind.AnonymousPrivate);
        Assert.Equal(0, mm.Fill(address, pages * PhysicalMemory.PageSize, 0x11));
        return (memory, mm, address);
    }
}
