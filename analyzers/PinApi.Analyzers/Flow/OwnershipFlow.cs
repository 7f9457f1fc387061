using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PinApi.Analyzers.Flow;

/// <summary>
/// The ownership-flow analysis of one method body over Roslyn's <see cref="ControlFlowGraph"/>: a forward
/// may-analysis of every acquisition's <see cref="RefState"/> through branches, loops, goto ladders, catch handlers and
/// finally regions (each finally is re-run for the state of the edge that enters it). A fixpoint pass runs silently;
/// a replay pass over the final states records the facts the rules report.
/// </summary>
internal sealed partial class OwnershipFlow
{
    private readonly ControlFlowGraph graph;
    private readonly ContractSymbols contracts;
    private readonly Compilation compilation;
    private readonly PageResolver resolver;
    private readonly List<Acquisition> acquisitions = new();
    private readonly Dictionary<SyntaxNode, Acquisition> bySyntax = new();
    private readonly Dictionary<ISymbol, List<Acquisition>> byHolder = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ISymbol> untracked = new(SymbolEqualityComparer.Default);
    private readonly List<ElementLoop> elementLoops = new();
    private readonly Dictionary<CaptureId, List<IFlowCaptureReferenceOperation>> captureReferences = new();
    private readonly Dictionary<int, List<int>> handlerEntries = new();
    private readonly FlowReport report;
    private readonly int iterationBudget;
    private FlagsEvaluator? flagsEvaluator;
    private readonly Dictionary<SyntaxNode, IInvocationOperation> originalInvocations = new();
    private readonly Dictionary<ITypeSymbol, GupFlagsInfo?> flagsInfos = new(SymbolEqualityComparer.Default);
    private int iterations;
    private bool recording;
    private BasicBlock? currentBlock;

    private OwnershipFlow(ControlFlowGraph graph, ContractSymbols contracts, Compilation compilation, FlowReport report)
    {
        this.graph = graph;
        this.contracts = contracts;
        this.compilation = compilation;
        this.report = report;
        resolver = new PageResolver(contracts);
        iterationBudget = 64 * (graph.Blocks.Length + 8);
    }

    /// <summary>Set when the fixpoint did not converge within its budget: nothing is reported then.</summary>
    public bool Aborted { get; private set; }

    public IReadOnlyList<Acquisition> Acquisitions => acquisitions;

    /// <summary>Analyzes one method body; returns the recorded facts, or null when there is nothing to track.</summary>
    public static OwnershipFlow? Run(ControlFlowGraph graph, IOperation originalBody, ContractSymbols contracts, Compilation compilation)
    {
        var flow = new OwnershipFlow(graph, contracts, compilation, new FlowReport());
        flow.Prepare(originalBody);
        if (flow.acquisitions.Count == 0)
        {
            return null;
        }

        flow.Solve(graph.Root, 0, FlowState.Initial(flow.acquisitions.Count), null, record: true);
        if (flow.Aborted)
        {
            return flow;
        }

        flow.ReportExits();
        return flow;
    }

    public FlowReport Report => report;

    /// <summary>The flags evaluator of the analyzed body, shared with the call-site rules.</summary>
    public FlagsEvaluator? Flags => flagsEvaluator;

    private void Prepare(IOperation originalBody)
    {
        var all = new List<IOperation>();
        foreach (var block in graph.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                all.AddRange(operation.DescendantsAndSelf());
            }

            if (block.BranchValue is not null)
            {
                all.AddRange(block.BranchValue.DescendantsAndSelf());
            }
        }

        foreach (var operation in all)
        {
            switch (operation)
            {
                case IFlowCaptureOperation capture:
                    resolver.AddCapture(capture.Id, capture.Value);
                    break;
                case IFlowCaptureReferenceOperation reference:
                    if (!captureReferences.TryGetValue(reference.Id, out var list))
                    {
                        captureReferences[reference.Id] = list = new List<IFlowCaptureReferenceOperation>();
                    }

                    list.Add(reference);
                    break;
            }
        }

        var original = originalBody.DescendantsAndSelf().ToList();
        var fixedAliases = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (var loop in original.OfType<IForEachLoopOperation>())
        {
            if (resolver.Resolve(loop.Collection) is { IsElement: false } collection &&
                loop.LoopControlVariable is IVariableDeclaratorOperation declarator)
            {
                resolver.AddAlias(declarator.Symbol, collection.AsElement(null));
                fixedAliases.Add(declarator.Symbol);
            }
        }

        FindAliases(all, fixedAliases);

        foreach (var function in original.Where(o => o is IAnonymousFunctionOperation or ILocalFunctionOperation))
        {
            foreach (var reference in function.Descendants())
            {
                var symbol = reference switch
                {
                    ILocalReferenceOperation local => local.Local,
                    IParameterReferenceOperation parameter => (ISymbol)parameter.Parameter,
                    _ => null,
                };
                if (symbol is not null)
                {
                    untracked.Add(symbol);
                    if (symbol is ILocalSymbol local && resolver.Aliases.TryGetValue(local, out var alias))
                    {
                        untracked.Add(alias.Holder);
                    }
                }
            }
        }

        flagsEvaluator = new FlagsEvaluator(originalBody);
        foreach (var invocation in original.OfType<IInvocationOperation>())
        {
            originalInvocations[invocation.Syntax] = invocation;
        }

        foreach (var invocation in all.OfType<IInvocationOperation>())
        {
            AddAcquisition(invocation);
        }

        foreach (var loop in original.OfType<ILoopOperation>())
        {
            AddElementLoop(loop);
        }

        foreach (var block in graph.Blocks)
        {
            var entries = new List<int>();
            for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
            {
                if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndCatch } tryAndCatch)
                {
                    foreach (var handler in tryAndCatch.NestedRegions)
                    {
                        if (handler.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.FilterAndHandler)
                        {
                            entries.Add(handler.FirstBlockOrdinal);
                        }
                    }
                }
            }

            if (entries.Count > 0)
            {
                handlerEntries[block.Ordinal] = entries;
            }
        }
    }

    /// <summary>
    /// A local is an alias of a holder when every assignment to it is a view of that holder (the whole of it or
    /// one element). Two passes let an alias of an alias resolve.
    /// </summary>
    private void FindAliases(List<IOperation> all, HashSet<ILocalSymbol> fixedAliases)
    {
        var assignments = new Dictionary<ILocalSymbol, List<IOperation>>(SymbolEqualityComparer.Default);
        foreach (var assignment in all.OfType<ISimpleAssignmentOperation>())
        {
            if (assignment.Target is ILocalReferenceOperation { Local: var local } && !fixedAliases.Contains(local) && !local.IsRef)
            {
                if (!assignments.TryGetValue(local, out var values))
                {
                    assignments[local] = values = new List<IOperation>();
                }

                values.Add(assignment.Value);
            }
        }

        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var pair in assignments)
            {
                PageTarget? common = null;
                var consistent = true;
                foreach (var value in pair.Value)
                {
                    var target = resolver.Resolve(value);
                    if (target is null || SymbolEqualityComparer.Default.Equals(target.Value.Holder, pair.Key) ||
                        (common is not null && !SymbolEqualityComparer.Default.Equals(common.Value.Holder, target.Value.Holder)))
                    {
                        consistent = false;
                        break;
                    }

                    common ??= target;
                }

                if (consistent && common is not null && (common.Value.Holder is ILocalSymbol or IParameterSymbol))
                {
                    resolver.AddAlias(pair.Key, common.Value);
                }
                else
                {
                    resolver.RemoveAlias(pair.Key);
                }
            }
        }
    }

    private void AddAcquisition(IInvocationOperation invocation)
    {
        var contract = contracts.GetAcquire(invocation.TargetMethod);
        if (contract?.Pages is null || bySyntax.ContainsKey(invocation.Syntax))
        {
            return;
        }

        var pages = Argument(invocation, contract.Pages);
        var target = resolver.Resolve(pages?.Value);
        if (target is null || target.Value.IsElement || target.Value.Holder is not (ILocalSymbol or IParameterSymbol) || untracked.Contains(target.Value.Holder))
        {
            return;
        }

        var requested = contract.Count is null ? null : Argument(invocation, contract.Count)?.Value;
        // Flags are evaluated on the original tree: the graph splits a conditional argument into flow captures.
        originalInvocations.TryGetValue(invocation.Syntax, out var original);
        var flags = contract.Flags is null || original is null ? FlagsValue.Unknown : flagsEvaluator!.Evaluate(Argument(original, contract.Flags)?.Value);
        var acquisition = new Acquisition(acquisitions.Count, invocation, contract, target.Value.Holder, requested, flags, FlagsInfo(contract.Flags)) { IsChunk = target.Value.HasOffset };

        var parent = invocation.Parent;
        while (parent is IConversionOperation)
        {
            parent = parent.Parent;
        }

        if (parent is ISimpleAssignmentOperation { Target: ILocalReferenceOperation count })
        {
            acquisition.CountLocal = count.Local;
        }

        acquisitions.Add(acquisition);
        bySyntax[invocation.Syntax] = acquisition;
        if (!byHolder.TryGetValue(acquisition.Holder, out var list))
        {
            byHolder[acquisition.Holder] = list = new List<Acquisition>();
        }

        list.Add(acquisition);
    }

    private void AddElementLoop(ILoopOperation loop)
    {
        var body = loop.Body.Syntax;
        ElementLoop? element = null;
        foreach (var invocation in loop.Body.DescendantsAndSelf().OfType<IInvocationOperation>())
        {
            var contract = contracts.GetRelease(invocation.TargetMethod);
            if (contract?.Pages is null)
            {
                continue;
            }

            var target = resolver.Resolve(Argument(invocation, contract.Pages)?.Value);
            if (target is { IsElement: true, ConstIndex: null })
            {
                element ??= new ElementLoop(loop.Syntax, body) { Release = invocation.TargetMethod.Name };
                element.Holders.Add(target.Value.Holder);
            }
        }

        if (element is null)
        {
            return;
        }

        if (loop is IForLoopOperation { Condition: IBinaryOperation { OperatorKind: BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual } condition })
        {
            element.Bound = condition.RightOperand;
        }
        else if (loop is IForEachLoopOperation forEach && resolver.Resolve(forEach.Collection) is { SliceLength: { } length })
        {
            element.Bound = length;
        }
        else if (loop is IWhileLoopOperation { Condition: IBinaryOperation { OperatorKind: BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual } whileCondition })
        {
            element.Bound = whileCondition.RightOperand;
        }

        elementLoops.Add(element);
    }

    private GupFlagsInfo? FlagsInfo(IParameterSymbol? flags)
    {
        if (flags is null)
        {
            return null;
        }

        if (!flagsInfos.TryGetValue(flags.Type, out var info))
        {
            flagsInfos[flags.Type] = info = GupFlagsInfo.For(flags);
        }

        return info;
    }

    internal static IArgumentOperation? Argument(IInvocationOperation invocation, IParameterSymbol parameter)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is not null && argument.Parameter.Ordinal == parameter.Ordinal)
            {
                return argument;
            }
        }

        return null;
    }

    private void Solve(ControlFlowRegion region, int start, FlowState entry, List<FlowState>? regionOuts, bool record)
    {
        var saved = recording;
        var savedBlock = currentBlock;
        recording = false;
        var ins = new Dictionary<int, FlowState> { [start] = entry.Clone() };
        var work = new SortedSet<int> { start };
        while (work.Count > 0 && !Aborted)
        {
            if (++iterations > iterationBudget)
            {
                Aborted = true;
                break;
            }

            var ordinal = work.Min;
            work.Remove(ordinal);
            Step(region, graph.Blocks[ordinal], ins[ordinal], ins, work, regionOuts, replay: false);
        }

        if (record && !Aborted)
        {
            recording = true;
            foreach (var ordinal in ins.Keys.OrderBy(k => k).ToList())
            {
                Step(region, graph.Blocks[ordinal], ins[ordinal], ins, work, regionOuts, replay: true);
            }
        }

        recording = saved;
        currentBlock = savedBlock;
    }

    private void Step(ControlFlowRegion region, BasicBlock block, FlowState input, Dictionary<int, FlowState> ins, SortedSet<int> work, List<FlowState>? regionOuts, bool replay)
    {
        currentBlock = block;
        var state = input.Clone();
        foreach (var operation in block.Operations)
        {
            Visit(operation, state);
        }

        if (block.BranchValue is not null)
        {
            Visit(block.BranchValue, state);
            CheckLoopBound(block, state);
        }

        if (!replay && handlerEntries.TryGetValue(block.Ordinal, out var handlers))
        {
            foreach (var handler in handlers)
            {
                Propagate(region, handler, input, ins, work);
                Propagate(region, handler, state, ins, work);
            }
        }

        if (block.ConditionKind == ControlFlowConditionKind.None)
        {
            Edge(region, block, block.FallThroughSuccessor, state, null, ins, work, regionOuts, replay);
        }
        else
        {
            var whenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
            Edge(region, block, block.ConditionalSuccessor, state, whenTrue, ins, work, regionOuts, replay);
            Edge(region, block, block.FallThroughSuccessor, state, !whenTrue, ins, work, regionOuts, replay);
        }
    }

    private void Edge(ControlFlowRegion region, BasicBlock block, ControlFlowBranch? branch, FlowState state, bool? value, Dictionary<int, FlowState> ins, SortedSet<int> work, List<FlowState>? regionOuts, bool replay)
    {
        if (branch is null)
        {
            return;
        }

        var next = state.Clone();
        if (value is bool taken && block.BranchValue is not null)
        {
            Refine(block.BranchValue, next, taken);
            for (var i = 0; i < next.Masks.Length; i++)
            {
                if ((next.Masks[i] & RefState.AnyHeld) != 0)
                {
                    next.Branch[i] = block.BranchValue.Syntax;
                    next.BranchValue[i] = taken;
                }
            }
        }

        foreach (var finallyRegion in branch.FinallyRegions)
        {
            next = RunFinally(finallyRegion, next);
            if (Aborted)
            {
                return;
            }
        }

        var destination = branch.Destination;
        if (destination is null)
        {
            if (branch.Semantics == ControlFlowBranchSemantics.StructuredExceptionHandling)
            {
                regionOuts?.Add(next);
            }

            return;
        }

        if (destination.Kind == BasicBlockKind.Exit)
        {
            if (recording && branch.Semantics is ControlFlowBranchSemantics.Return or ControlFlowBranchSemantics.Regular)
            {
                exits.Add(new ExitPath(block, next, value));
            }

            return;
        }

        if (!replay)
        {
            Propagate(region, destination.Ordinal, next, ins, work);
        }
    }

    private static void Propagate(ControlFlowRegion region, int ordinal, FlowState state, Dictionary<int, FlowState> ins, SortedSet<int> work)
    {
        if (ordinal < region.FirstBlockOrdinal || ordinal > region.LastBlockOrdinal)
        {
            return;
        }

        if (!ins.TryGetValue(ordinal, out var existing))
        {
            ins[ordinal] = state.Clone();
            work.Add(ordinal);
        }
        else if (existing.MergeFrom(state))
        {
            work.Add(ordinal);
        }
    }

    private FlowState RunFinally(ControlFlowRegion finallyRegion, FlowState state)
    {
        var outs = new List<FlowState>();
        Solve(finallyRegion, finallyRegion.FirstBlockOrdinal, state, outs, recording);
        if (outs.Count == 0)
        {
            return state;
        }

        var merged = outs[0].Clone();
        for (var i = 1; i < outs.Count; i++)
        {
            merged.MergeFrom(outs[i]);
        }

        return merged;
    }

    private readonly List<ExitPath> exits = new();

    private static string Short(SyntaxNode node)
    {
        var text = node.ToString().Replace("\r", " ").Replace("\n", " ");
        return text.Length > 60 ? text.Substring(0, 57) + "..." : text;
    }

    private static int Line(SyntaxNode node) => node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

    private Location ExitLocation(BasicBlock block, bool? branchValue)
    {
        if (block.BranchValue is not null && block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return && branchValue is null)
        {
            var statement = block.BranchValue.Syntax.AncestorsAndSelf().OfType<ReturnStatementSyntax>().FirstOrDefault();
            return (statement ?? block.BranchValue.Syntax).GetLocation();
        }

        // A bare `return;` leaves no operation behind: find it after the block's last statement, or as the branch of
        // the `if` whose condition led straight to the exit.
        if (BareReturn(block, branchValue) is { } bareReturn)
        {
            return bareReturn.GetLocation();
        }

        var body = graph.OriginalOperation.Syntax;
        var close = body switch
        {
            BaseMethodDeclarationSyntax { Body: { } methodBody } => methodBody.CloseBraceToken,
            AccessorDeclarationSyntax { Body: { } accessorBody } => accessorBody.CloseBraceToken,
            BlockSyntax blockSyntax => blockSyntax.CloseBraceToken,
            _ => body.GetLastToken(),
        };
        return close.GetLocation();
    }

    private static ReturnStatementSyntax? BareReturn(BasicBlock block, bool? branchValue)
    {
        if (branchValue is bool taken && block.BranchValue?.Syntax.Parent is IfStatementSyntax ifStatement && ifStatement.Condition == block.BranchValue.Syntax)
        {
            var branch = taken ? ifStatement.Statement : ifStatement.Else?.Statement;
            return FirstReturn(branch);
        }

        if (block.Operations.Length == 0)
        {
            return null;
        }

        var last = block.Operations[block.Operations.Length - 1].Syntax.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault();
        if (last?.Parent is BlockSyntax parent)
        {
            var index = parent.Statements.IndexOf(last);
            return index >= 0 && index + 1 < parent.Statements.Count ? parent.Statements[index + 1] as ReturnStatementSyntax : null;
        }

        return null;
    }

    private static ReturnStatementSyntax? FirstReturn(StatementSyntax? statement) => statement switch
    {
        ReturnStatementSyntax { Expression: null } bare => bare,
        BlockSyntax { Statements.Count: > 0 } block => FirstReturn(block.Statements[0]),
        _ => null,
    };

    private readonly struct ExitPath
    {
        public ExitPath(BasicBlock block, FlowState state, bool? branchValue)
        {
            Block = block;
            State = state;
            BranchValue = branchValue;
        }

        public BasicBlock Block { get; }

        /// <summary>For a conditional edge into the exit, the value of the condition on it.</summary>
        public bool? BranchValue { get; }

        public FlowState State { get; }
    }
}
