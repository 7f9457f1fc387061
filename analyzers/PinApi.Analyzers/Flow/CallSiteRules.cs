using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PinApi.Analyzers.Flow;

/// <summary>
/// The flag rules of one acquire call that need no path: PIN0201 (FOLL_LONGTERM on the GET family), PIN0202
/// (FOLL_LONGTERM with <c>locked</c> on a remote call), PIN0203 (internal flags), PIN0207 (a flag gup-fast refuses). Flags are evaluated through constants,
/// <c>|</c>, <c>?:</c> and locals; a flag counts as passed when some path spells it out.
/// </summary>
internal sealed class CallSiteRules
{
    private readonly ContractSymbols contracts;
    private readonly OwnershipFlow? flow;
    private readonly FlagsEvaluator evaluator;
    private readonly PageResolver resolver;
    private readonly INamedTypeSymbol? containingType;
    private readonly Action<Diagnostic> report;

    public CallSiteRules(ContractSymbols contracts, IOperation body, OwnershipFlow? flow, ISymbol owner, Action<Diagnostic> report)
    {
        this.contracts = contracts;
        this.flow = flow;
        this.report = report;
        evaluator = flow?.Flags ?? new FlagsEvaluator(body);
        resolver = new PageResolver(contracts);
        containingType = owner.ContainingType;
    }

    public void Check(IInvocationOperation call)
    {
        var contract = contracts.GetAcquire(call.TargetMethod);
        if (contract?.Flags is null || GupFlagsInfo.For(contract.Flags) is not { } info)
        {
            return;
        }

        var argument = OwnershipFlow.Argument(call, contract.Flags);
        var flags = evaluator.Evaluate(argument?.Value);
        var flagsLocation = argument is { IsImplicit: false } ? argument.Value.Syntax.GetLocation() : call.Syntax.GetLocation();
        var locations = new List<Location> { call.Syntax.GetLocation() };
        if (argument is { IsImplicit: false })
        {
            locations.Add(argument.Value.Syntax.GetLocation());
        }

        var passedInternal = flags.Mentioned & info.Internal;
        if (passedInternal != 0)
        {
            var names = info.Names(passedInternal).ToList();
            report(Diagnostic.Create(
                Descriptors.PIN0203_InternalFlag,
                flagsLocation,
                locations,
                ImmutableDictionary<string, string?>.Empty.Add(DiagnosticPropertyKeys.RemoveFlags, string.Join(";", names)),
                call.TargetMethod.Name,
                names.Count == 1 ? string.Empty : "s",
                string.Join(", ", names.Select(n => info.Type.Name + "." + n)),
                names.Count == 1 ? "it" : "them"));
        }

        var refused = flags.Mentioned & ~info.Internal & ~info.AcceptedByFast;
        if (contract.Fast && refused != 0)
        {
            report(Diagnostic.Create(
                Descriptors.PIN0207_FlagRejectedByFast,
                flagsLocation,
                locations,
                call.TargetMethod.Name,
                string.Join(", ", info.Names(refused).Select(n => info.Type.Name + "." + n))));
        }

        var longterm = info.Longterm != 0 && (flags.Mentioned & info.Longterm) != 0;
        if (longterm && contract.Remote && call.Arguments.FirstOrDefault(a => a.Parameter is { RefKind: RefKind.Ref, Type.SpecialType: SpecialType.System_Boolean }) is { IsImplicit: false } locked)
        {
            var properties = ImmutableDictionary<string, string?>.Empty;
            var lockedLocations = new List<Location> { call.Syntax.GetLocation(), locked.Syntax.GetLocation() };
            if (HasOverloadWithout(call.TargetMethod, locked.Parameter!))
            {
                properties = properties.Add(DiagnosticPropertyKeys.DropArgument, "true");
            }

            report(Diagnostic.Create(Descriptors.PIN0202_LongtermRemoteWithLocked, call.Syntax.GetLocation(), lockedLocations, properties, call.TargetMethod.Name));
        }

        var holder = contract.Pages is { } pages ? resolver.Resolve(OwnershipFlow.Argument(call, pages)?.Value)?.Holder : null;
        var ownField = holder is IFieldSymbol field && SymbolEqualityComparer.Default.Equals(field.ContainingType, containingType);
        if (longterm && contract.Kind == PageRefKind.Get && !ownField)
        {
            ReportLongtermGet(call, contract);
        }
    }

    private void ReportLongtermGet(IInvocationOperation call, AcquireContract contract)
    {
        var properties = ImmutableDictionary<string, string?>.Empty;
        var locations = new List<Location> { call.Syntax.GetLocation() };
        var twin = OwnershipFlow.AcquireTwin(contract, contracts);
        if (flow is null || !flow.TryConversion(call.Syntax, ref properties, locations))
        {
            // Pages that live in another object are released where this method cannot see. The GET releases of the
            // same member in this document are converted with the acquire (videobuf's PutPage(dma.Pages[i])); the
            // rest are the series' own put_user_page*() placeholders, which PIN0301 renames to the unpin family.
            if (twin is not null && !IsLocalHolder(call, contract) && MemberOf(contract, call) is { } member &&
                MemberReleases(call, member) is { } releases)
            {
                locations.AddRange(releases.Select(r => r.Location));
                properties = properties.Add(DiagnosticPropertyKeys.AcquireTwin, twin).Add(DiagnosticPropertyKeys.ReleaseTwins, string.Join(";", releases.Select(r => r.Twin)));
            }
        }

        report(Diagnostic.Create(Descriptors.PIN0201_LongtermWithGet, call.Syntax.GetLocation(), locations, properties, call.TargetMethod.Name, twin ?? "its Pin* twin"));
    }

    /// <summary>A local or parameter buffer the flow could not track (captured by a lambda): converting its acquire alone could break its releases.</summary>
    private bool IsLocalHolder(IInvocationOperation call, AcquireContract contract) =>
        contract.Pages is { } pages && resolver.Resolve(OwnershipFlow.Argument(call, pages)?.Value)?.Holder is ILocalSymbol or IParameterSymbol;

    /// <summary>The field or property of another object the acquire writes into (through span views such as AsSpan or a range).</summary>
    private ISymbol? MemberOf(AcquireContract contract, IInvocationOperation call)
    {
        var current = contract.Pages is { } pages ? OwnershipFlow.Argument(call, pages)?.Value : null;
        for (var depth = 0; current is not null && depth < 8; depth++)
        {
            current = resolver.Unwrap(current);
            switch (current)
            {
                case IFieldReferenceOperation field:
                    return field.Field;
                case IPropertyReferenceOperation { Property.IsIndexer: false } property:
                    return property.Property;
                case IInvocationOperation { Instance: { } instance } view when PageResolver.IsBcl(view.TargetMethod):
                    current = instance;
                    break;
                case IInvocationOperation { Instance: null, Arguments.Length: > 0 } extension when PageResolver.IsBcl(extension.TargetMethod):
                    current = extension.Arguments[0].Value;
                    break;
                case IImplicitIndexerReferenceOperation indexer:
                    current = indexer.Instance;
                    break;
                case IArrayElementReferenceOperation element:
                    current = element.ArrayReference;
                    break;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>
    /// Every GET release in the acquire's document whose pages come from <paramref name="member"/> (directly, or
    /// through a local initialized from it), with its unpin twin; null when one of them has no twin.
    /// </summary>
    private List<(Location Location, string Twin)>? MemberReleases(IInvocationOperation call, ISymbol member)
    {
        var model = call.SemanticModel;
        if (model is null)
        {
            return null;
        }

        var releases = new List<(Location, string)>();
        foreach (var node in call.Syntax.SyntaxTree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>())
        {
            if (model.GetOperation(node) is not IInvocationOperation release ||
                contracts.GetRelease(release.TargetMethod) is not { Kind: PageRefKind.Get, Pages: { } pages } contract ||
                OwnershipFlow.Argument(release, pages)?.Value is not { } argument || !Mentions(argument, member, model, 0))
            {
                continue;
            }

            if (OwnershipFlow.ReleaseTwin(contract, contracts) is not { } twin)
            {
                return null;
            }

            releases.Add((release.Syntax.GetLocation(), twin));
        }

        return releases;
    }

    private static bool Mentions(IOperation operation, ISymbol member, SemanticModel model, int depth)
    {
        foreach (var node in operation.DescendantsAndSelf())
        {
            switch (node)
            {
                case IFieldReferenceOperation field when SymbolEqualityComparer.Default.Equals(field.Field, member):
                case IPropertyReferenceOperation property when SymbolEqualityComparer.Default.Equals(property.Property, member):
                    return true;
                case ILocalReferenceOperation local when depth < 2:
                    // var page = mem.Hpages[i]; ... PutPage(page)
                    foreach (var reference in local.Local.DeclaringSyntaxReferences)
                    {
                        if (reference.GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax { Initializer.Value: { } initializer } &&
                            model.GetOperation(initializer) is { } value && Mentions(value, member, model, depth + 1))
                        {
                            return true;
                        }
                    }

                    break;
            }
        }

        return false;
    }

    private static bool HasOverloadWithout(IMethodSymbol method, IParameterSymbol dropped)
    {
        var wanted = method.Parameters.Where(p => p.Ordinal != dropped.Ordinal).ToList();
        return method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>().Any(m =>
            m.Parameters.Length == wanted.Count &&
            m.Parameters.Zip(wanted, (a, b) => a.RefKind == b.RefKind && SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same));
    }
}
