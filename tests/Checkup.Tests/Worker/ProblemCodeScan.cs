using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Checkup.Functions.OpenApi;
using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Checkup.Tests.Worker;

/// <summary>
/// The problem codes Checkup.Functions can answer with, read from the code itself rather than from a list kept by hand:
/// <see cref="Written"/> from the source (every code passed to a <c>Problem.*</c> helper, with its status, and every code
/// the exception mapping writes), <see cref="ReachableFrom"/> from the compiled IL (the code strings a method can get
/// to through the calls, lambdas, async state machines and results of Checkup.Functions it uses).
/// </summary>
internal static partial class ProblemCodeScan
{
    private static readonly Assembly Functions = typeof(Checkup.Functions.Worker.FunctionPolicy).Assembly;

    /// <summary>A code a <c>Problem.*</c> call writes, the statuses it is written with, and where.</summary>
    public sealed record WrittenCode(string Code, HashSet<int> Statuses, HashSet<string> Files);

    public static IReadOnlyDictionary<string, WrittenCode> Written { get; } = ScanSource();

    /// <summary>The codes ProblemSetup's exception mapping writes (for an exception or a status without a code of its own).</summary>
    public static IReadOnlySet<string> ExceptionMapping { get; } = ScanExceptionMapping();

    /// <summary>Every code the source can answer with.</summary>
    public static IReadOnlySet<string> All => Written.Keys.Concat(ExceptionMapping).ToHashSet();

    private static string SourceRoot => Path.Combine(TestEnvironment.RepositoryRoot, "Checkup.Functions");

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(SourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static Dictionary<string, WrittenCode> ScanSource()
    {
        var codes = new Dictionary<string, WrittenCode>(StringComparer.Ordinal);
        foreach (var file in SourceFiles())
        {
            var source = File.ReadAllText(file);
            foreach (Match call in ProblemCall().Matches(source))
            {
                var code = call.Groups["code"].Value;
                var status = call.Groups["helper"].Value switch
                {
                    "NotFound" => StatusCodes.Status404NotFound,
                    "BadRequest" => StatusCodes.Status400BadRequest,
                    "Conflict" => StatusCodes.Status409Conflict,
                    "Unprocessable" => StatusCodes.Status422UnprocessableEntity,
                    _ => int.Parse(StatusNumber().Match(call.Groups["status"].Value).Value, System.Globalization.CultureInfo.InvariantCulture),
                };
                var written = codes.TryGetValue(code, out var known) ? known : codes[code] = new WrittenCode(code, [], []);
                written.Statuses.Add(status);
                written.Files.Add(Path.GetRelativePath(SourceRoot, file));
            }
        }

        return codes;
    }

    private static HashSet<string> ScanExceptionMapping()
    {
        var source = File.ReadAllText(Path.Combine(SourceRoot, "Problems", "ProblemSetup.cs"));
        var start = source.IndexOf("private static string CodeFor(", StringComparison.Ordinal);
        Assert.True(start >= 0, "ProblemSetup.CodeFor moved: the scan reads the exception mapping's codes from it");
        var end = source.IndexOf("};", start, StringComparison.Ordinal);
        return SwitchArmCode().Matches(source[start..end]).Select(m => m.Groups["code"].Value).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The codes (of <see cref="All"/>) whose strings the IL of <paramref name="entries"/> can reach within Checkup.Functions.</summary>
    public static HashSet<string> ReachableFrom(params MethodBase[] entries)
    {
        var strings = Walk(entries).Strings;
        strings.IntersectWith(All);
        return strings;
    }

    /// <summary>What the IL of <paramref name="entries"/> reaches within Checkup.Functions.</summary>
    /// <param name="entries">where to start</param>
    /// <returns>the strings it loads, the methods it calls (generic ones as their definitions), and the names it passes to
    /// <c>request.Query("name")</c></returns>
    public static (HashSet<string> Strings, HashSet<MethodBase> Methods, HashSet<string> QueryNames) Walk(params MethodBase[] entries)
    {
        var strings = new HashSet<string>(StringComparer.Ordinal);
        var queryNames = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<MethodBase>();
        var pending = new Stack<MethodBase>(entries);
        while (pending.TryPop(out var method))
        {
            // The document's own code names every code it documents; it answers none of them.
            if (!seen.Add(Definition(method)) || method.Module.Assembly != Functions || method.DeclaringType?.Namespace == typeof(FunctionsDocument).Namespace)
            {
                continue;
            }

            // An async method's body only starts its state machine; the work is in MoveNext.
            if (method.GetCustomAttribute<StateMachineAttribute>() is { } machine)
            {
                pending.Push(machine.StateMachineType.GetMethod("MoveNext", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)!);
            }

            string? lastString = null;
            foreach (var (opCode, token) in Instructions(method))
            {
                if (opCode == OpCodes.Ldstr)
                {
                    lastString = method.Module.ResolveString(token);
                    strings.Add(lastString);
                }
                else if (opCode.OperandType == OperandType.InlineMethod && Resolve(method, token) is { } target)
                {
                    if (Definition(target) == QueryReader && lastString is not null)
                    {
                        queryNames.Add(lastString); // request.Query("name"): the name is loaded right before the call
                    }

                    pending.Push(target);
                    // A result object of ours (VersionMismatch) writes its body when the framework executes it.
                    if (opCode == OpCodes.Newobj && target.DeclaringType is { } created && created.IsAssignableTo(typeof(IResult)))
                    {
                        pending.Push(created.GetMethod(nameof(IResult.ExecuteAsync))!);
                    }
                }
            }
        }

        return (strings, seen, queryNames);
    }

    private static readonly MethodInfo QueryReader = Functions.GetType("Checkup.Functions.Worker.RequestReading", throwOnError: true)!.GetMethod("Query")!;

    public static MethodBase Definition(MethodBase method) => method is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericMethodDefinition() : method;

    private static MethodBase? Resolve(MethodBase context, int token)
    {
        try
        {
            var typeArguments = context.DeclaringType is { IsGenericType: true } type ? type.GetGenericArguments() : null;
            var methodArguments = context is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericArguments() : null;
            return context.Module.ResolveMethod(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            return null; // a member of another assembly that this one cannot name without its generic context: not ours
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The method's instructions that carry a metadata token (strings, methods), with the token.</summary>
    private static IEnumerable<(OpCode OpCode, int Token)> Instructions(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        var at = 0;
        while (at < il.Length)
        {
            var value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineString or OperandType.InlineMethod:
                    yield return (opCode, BitConverter.ToInt32(il, at));
                    at += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    at += 8;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + 4 * BitConverter.ToInt32(il, at);
                    break;
                default:
                    at += 4;
                    break;
            }
        }
    }

    /// <summary><c>Problem.Status(StatusCodes.Status409Conflict, "code"</c>, <c>Problem.NotFound("code"</c>, ...</summary>
    [GeneratedRegex("""Problem\.(?:(?<helper>Details|Status)\(\s*(?<status>[^,]+),|(?<helper>NotFound|BadRequest|Conflict|Unprocessable)\()\s*"(?<code>[a-z]+(?:_[a-z]+)*)"[,)]""")]
    private static partial Regex ProblemCall();

    [GeneratedRegex(@"\d{3}")]
    private static partial Regex StatusNumber();

    [GeneratedRegex("""=>\s*"(?<code>[a-z]+(?:_[a-z]+)*)"\s*,""")]
    private static partial Regex SwitchArmCode();
}
