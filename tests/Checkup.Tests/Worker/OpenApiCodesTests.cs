using System.Reflection;
using Checkup.Functions.Worker;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Worker;

/// <summary>
/// Each operation of GET /api/openapi.json lists every problem code its function can answer, and the query parameters
/// and body it reads: facts read from Checkup.Functions' source and IL (<see cref="ProblemCodeScan"/>), not a list.
/// </summary>
[Collection(OpenApiCollection.Name)]
public sealed class OpenApiCodesTests(HostedAppFixture fixture)
{
    private HostedApp App => fixture.App;

    [Fact]
    public async Task Every_problem_code_a_function_can_answer_is_documented_on_it_with_its_status()
    {
        var document = await OpenApiFacts.DocumentAsync(App);
        var everywhere = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var function in OpenApiFacts.HttpFunctions())
        {
            var documented = OpenApiFacts.DocumentedCodes(OpenApiFacts.Operation(document, function, function.Methods[0]));
            everywhere.UnionWith(documented.Keys);

            // The function's own answers, and those of the middleware its policy puts in front of it.
            var answers = ProblemCodeScan.ReachableFrom(function.Method);
            var policy = function.Policy;
            if (policy.Access != Access.Anonymous)
            {
                answers.UnionWith(ProblemCodeScan.ReachableFrom(typeof(Checkup.Functions.Auth.AuthProblems).GetMethod("WriteChallengeAsync")!));
            }

            if (policy.WriteLimited)
            {
                answers.UnionWith(ProblemCodeScan.ReachableFrom(Middleware("WriteLimitMiddleware")));
            }

            if (function.Method.GetCustomAttribute<Checkup.Functions.OpenApi.JsonBodyAttribute>() is not null)
            {
                answers.UnionWith(ProblemCodeScan.ReachableFrom(typeof(Checkup.Functions.Hosting.RequestCharsets).GetMethod("CheckAsync")!));
            }

            if (policy.BodyLimit is not null)
            {
                answers.UnionWith(ProblemCodeScan.ReachableFrom(typeof(Checkup.Functions.Hosting.BodySizeLimits).GetMethod("EnforceAsync")!));
            }

            foreach (var code in answers)
            {
                var statuses = ProblemCodeScan.Written.TryGetValue(code, out var written) ? written.Statuses : null;
                if (!documented.TryGetValue(code, out var at) || (statuses is not null && !at.Overlaps(statuses)))
                {
                    missing.Add($"{function.Name}: {code} ({string.Join("/", statuses ?? [])})");
                }
            }
        }

        Assert.True(missing.Count == 0, "Answered but not documented (add a [Problem] to the function): " + string.Join(", ", missing));

        // Every code of the source is on an operation, but those only the exception mapping writes, which ProblemDetails lists.
        var schemaCodes = document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails").GetProperty("properties").GetProperty("code")
            .GetProperty("enum").EnumerateArray().Select(c => c.GetString()!).ToHashSet();
        Assert.Empty(ProblemCodeScan.Written.Keys.Except(everywhere));
        Assert.Empty(ProblemCodeScan.All.Except(schemaCodes));
        Assert.Contains("upload_in_progress", ProblemCodeScan.All); // the scan sees the codes the hand-kept list missed
        Assert.True(ProblemCodeScan.All.Count >= 20, "the scan found too few codes: " + string.Join(", ", ProblemCodeScan.All));
    }

    [Fact]
    public async Task Every_query_parameter_and_body_a_function_reads_is_documented_on_it()
    {
        var document = await OpenApiFacts.DocumentAsync(App);
        var readers = typeof(FunctionPolicy).Assembly.GetType("Checkup.Functions.Worker.RequestReading", throwOnError: true)!;
        var jsonReader = readers.GetMethod("JsonBodyAsync")!;
        var multipartReader = typeof(FunctionPolicy).Assembly.GetType("Checkup.Functions.Images.MultipartFile", throwOnError: true)!.GetMethod("OpenAsync")!;
        var queried = new HashSet<string>();
        foreach (var function in OpenApiFacts.HttpFunctions())
        {
            var operation = OpenApiFacts.Operation(document, function, function.Methods[0]);
            var (_, methods, queryNames) = ProblemCodeScan.Walk(function.Method);
            var parameters = operation.TryGetProperty("parameters", out var list)
                ? list.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToHashSet()
                : [];
            Assert.True(queryNames.SetEquals(parameters), $"{function.Name} reads ?{string.Join(", ?", queryNames.Order())} but documents ?{string.Join(", ?", parameters.Order())}");
            queried.UnionWith(queryNames);

            var body = operation.TryGetProperty("requestBody", out var requestBody) ? requestBody.GetProperty("content").EnumerateObject().Single().Name : null;
            var reads = methods.Contains(jsonReader) ? "application/json" : methods.Contains(multipartReader) ? "multipart/form-data" : null;
            Assert.True(reads == body, $"{function.Name} reads a body of {reads ?? "no type"} but documents {body ?? "none"}");
        }

        Assert.Contains("sub", queried); // the scan sees the reads (AdminUser's ?sub=)
        Assert.Contains("submittedFrom", queried);
    }

    [Fact]
    public async Task Codes_the_old_hand_kept_list_missed_are_documented_on_the_functions_that_answer_them()
    {
        var document = await OpenApiFacts.DocumentAsync(App);
        var functions = OpenApiFacts.HttpFunctions().ToDictionary(f => f.Name);
        void AssertDocumented(string function, string code, int status)
        {
            var codes = OpenApiFacts.DocumentedCodes(OpenApiFacts.Operation(document, functions[function], functions[function].Methods[0]));
            Assert.True(codes.TryGetValue(code, out var statuses), $"{function} does not document {code}");
            Assert.Equal([status], statuses);
        }

        AssertDocumented("Images", "upload_in_progress", 409);
        AssertDocumented("Images", "idempotency_key_reused", 422);
        AssertDocumented("Images", "upload_too_slow", 408);
        AssertDocumented("AdminUser", "erasure_incomplete", 503);
        AssertDocumented("Submit", "version_mismatch", 412);
    }

    private static MethodInfo Middleware(string name) =>
        typeof(FunctionPolicy).Assembly.GetType("Checkup.Functions.Worker." + name, throwOnError: true)!.GetMethod("Invoke")!;
}
