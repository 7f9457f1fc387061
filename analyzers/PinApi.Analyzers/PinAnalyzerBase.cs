using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PinApi.Analyzers;

/// <summary>
/// The one way a PinApi analyzer starts: concurrent, silent in generated code, and active only in compilations that
/// reference the PinApi contracts (resolved once into a <see cref="ContractSymbols"/>).
/// </summary>
public abstract class PinAnalyzerBase : DiagnosticAnalyzer
{
    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var contracts = ContractSymbols.TryCreate(start.Compilation, start.Options);
            if (contracts is not null)
            {
                OnCompilationStart(start, contracts);
            }
        });
    }

    /// <summary>Registers the analyzer's actions; called only when the compilation references PinApi.</summary>
    private protected abstract void OnCompilationStart(CompilationStartAnalysisContext context, ContractSymbols contracts);
}
