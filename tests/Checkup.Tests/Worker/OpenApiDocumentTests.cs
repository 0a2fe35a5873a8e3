using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Checkup.Functions.Worker;
using Checkup.Tests.Infrastructure;
using Microsoft.OpenApi;

namespace Checkup.Tests.Worker;

/// <summary>One app under the local Functions host for the document's tests and the docs page's.</summary>
[CollectionDefinition(Name)]
public sealed class OpenApiCollection : ICollectionFixture<HostedAppFixture>
{
    public const string Name = "OpenApi";
}

/// <summary>
/// GET /api/openapi.json of the isolated worker: generated from the functions, so it lists exactly the HTTP functions of
/// the build's functions.metadata, and each operation lists every problem code its function can answer.
/// </summary>
[Collection(OpenApiCollection.Name)]
public sealed partial class OpenApiDocumentTests(HostedAppFixture fixture)
{
    private HostedApp App => fixture.App;

    /// <summary>An HTTP function of the build as the host indexes it, with the method behind it.</summary>
    private sealed record Indexed(string Name, string Path, string[] Methods, MethodInfo Method)
    {
        public FunctionPolicy Policy => FunctionPolicy.Read(Method);
    }

    private static List<Indexed> HttpFunctions()
    {
        var assembly = typeof(FunctionPolicy).Assembly;
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(HostedApp.WorkerRoot, "functions.metadata"))).RootElement.EnumerateArray()
            .Select(f => (Function: f, Trigger: f.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal))))
            .Where(f => f.Trigger.GetProperty("type").GetString() == "httpTrigger")
            .Select(f =>
            {
                var entryPoint = f.Function.GetProperty("entryPoint").GetString()!;
                var split = entryPoint.LastIndexOf('.');
                var method = assembly.GetType(entryPoint[..split], throwOnError: true)!.GetMethod(entryPoint[(split + 1)..])!;
                return new Indexed(
                    f.Function.GetProperty("name").GetString()!,
                    "/api/" + RouteParameter().Replace(f.Trigger.GetProperty("route").GetString()!, "{$1}"),
                    f.Trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()).ToArray(),
                    method);
            })
            .ToList();
    }

    private async Task<JsonElement> DocumentAsync() =>
        JsonDocument.Parse(await App.CreateClient().GetStringAsync("/api/openapi.json")).RootElement;

    private static JsonElement Operation(JsonElement document, Indexed function, string method) =>
        document.GetProperty("paths").GetProperty(function.Path).GetProperty(method);

    /// <summary>Status and codes of each problem response of an operation, read from the code enums the document gives.</summary>
    private static Dictionary<string, HashSet<int>> DocumentedCodes(JsonElement operation)
    {
        var codes = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var response in operation.GetProperty("responses").EnumerateObject())
        {
            if (!response.Value.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out var problem))
            {
                continue;
            }

            var codeSchema = problem.GetProperty("schema").GetProperty("allOf")[1].GetProperty("properties").GetProperty("code");
            foreach (var code in codeSchema.GetProperty("enum").EnumerateArray())
            {
                (codes.TryGetValue(code.GetString()!, out var statuses) ? statuses : codes[code.GetString()!] = []).Add(int.Parse(response.Name, System.Globalization.CultureInfo.InvariantCulture));
                Assert.True(problem.GetProperty("examples").TryGetProperty(code.GetString()!, out _), $"{response.Name} {code} has no example");
            }
        }

        return codes;
    }

    [Fact]
    public async Task Every_http_function_of_the_build_has_its_operation_with_a_summary_and_nothing_else_is_documented()
    {
        var document = await DocumentAsync();
        var functions = HttpFunctions();

        var indexed = functions.SelectMany(f => f.Methods.Select(m => $"{m.ToUpperInvariant()} {f.Path}")).ToHashSet();
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();
        Assert.Contains("GET /api/openapi.json", indexed);
        Assert.Contains("POST /api/images", indexed);
        Assert.Empty(indexed.Except(documented)); // a function nobody can discover
        Assert.Empty(documented.Except(indexed)); // a documented operation the host does not serve

        foreach (var function in functions)
        {
            foreach (var method in function.Methods)
            {
                var operation = Operation(document, function, method);
                Assert.Equal(function.Name, operation.GetProperty("operationId").GetString());
                Assert.True(operation.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 10,
                    $"{function.Name} has no summary: give it an [Operation]");
                Assert.Single(operation.GetProperty("tags").EnumerateArray());
                Assert.True(operation.GetProperty("responses").EnumerateObject().Any(r => r.Name.StartsWith('2')),
                    $"{function.Name} documents no success: give it a [Responds]");
            }
        }
    }

    [Fact]
    public async Task The_document_is_valid_openapi_with_a_relative_server_and_each_function_s_auth_and_limits()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/openapi.json");
        request.Headers.Host = "evil.example";
        var response = await App.CreateClient().SendAsync(request);
        var json = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var read = Microsoft.OpenApi.OpenApiDocument.Parse(json, "json");
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Empty(read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet())!);
        Assert.DoesNotContain("evil.example", json, StringComparison.Ordinal);
        var document = JsonDocument.Parse(json).RootElement;
        Assert.Equal("/", document.GetProperty("servers")[0].GetProperty("url").GetString());
        Assert.Equal("Checkup API", document.GetProperty("info").GetProperty("title").GetString());
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());

        foreach (var function in HttpFunctions())
        {
            var policy = function.Policy;
            var operation = Operation(document, function, function.Methods[0]);
            var responses = operation.GetProperty("responses");
            var codes = DocumentedCodes(operation);
            foreach (var status in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5' && !(function.Name == "Health" && r.Name == "503")))
            {
                Assert.True(status.Value.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{function.Name} {status.Name} is not problem+json");
            }

            Assert.Equal(policy.Access != Access.Anonymous, operation.TryGetProperty("security", out _));
            Assert.Equal(policy.Access != Access.Anonymous, codes.GetValueOrDefault("unauthorized")?.Contains(401) == true);
            Assert.Equal(policy.Access != Access.Anonymous, codes.GetValueOrDefault("forbidden")?.Contains(403) == true);
            if (policy.Access == Access.Admin)
            {
                Assert.Contains("admin role", responses.GetProperty("403").GetProperty("description").GetString(), StringComparison.Ordinal);
            }

            Assert.Equal(policy.WriteLimited, codes.GetValueOrDefault("rate_limited")?.Contains(429) == true);
            if (policy.WriteLimited)
            {
                Assert.True(responses.GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _), $"{function.Name} 429 has no Retry-After");
            }

            if (policy.BodyLimit is { } limit)
            {
                Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), responses.GetProperty("413").GetProperty("description").GetString(), StringComparison.Ordinal);
            }
        }

        var image = document.GetProperty("paths").GetProperty("/api/images/{id}").GetProperty("get");
        var id = Assert.Single(image.GetProperty("parameters").EnumerateArray());
        Assert.Equal("path", id.GetProperty("in").GetString());
        Assert.Equal("uuid", id.GetProperty("schema").GetProperty("format").GetString());
        var upload = document.GetProperty("paths").GetProperty("/api/images").GetProperty("post");
        Assert.True(upload.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").TryGetProperty("file", out _));
        var listing = document.GetProperty("paths").GetProperty("/api/admin/submissions").GetProperty("get");
        Assert.Contains(listing.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "submittedFrom" && p.GetProperty("in").GetString() == "query"
                                                                                  && p.GetProperty("description").GetString()!.Length > 0);
        var draft = document.GetProperty("paths").GetProperty("/api/submission/draft").GetProperty("put");
        Assert.Equal(["200", "400", "401", "403", "404", "409", "412", "413", "415", "422", "429", "500", "503"],
            draft.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.True(draft.GetProperty("responses").GetProperty("412").GetProperty("headers").TryGetProperty("ETag", out _));
        Assert.Contains(draft.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "If-Match" && p.GetProperty("in").GetString() == "header");
    }

    [Fact]
    public async Task Every_problem_code_a_function_can_answer_is_documented_on_it_with_its_status()
    {
        var document = await DocumentAsync();
        var everywhere = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var function in HttpFunctions())
        {
            var documented = DocumentedCodes(Operation(document, function, function.Methods[0]));
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
        var document = await DocumentAsync();
        var readers = typeof(FunctionPolicy).Assembly.GetType("Checkup.Functions.Worker.RequestReading", throwOnError: true)!;
        var jsonReader = readers.GetMethod("JsonBodyAsync")!;
        var multipartReader = typeof(FunctionPolicy).Assembly.GetType("Checkup.Functions.Images.MultipartFile", throwOnError: true)!.GetMethod("OpenAsync")!;
        var queried = new HashSet<string>();
        foreach (var function in HttpFunctions())
        {
            var operation = Operation(document, function, function.Methods[0]);
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
        var document = await DocumentAsync();
        var functions = HttpFunctions().ToDictionary(f => f.Name);
        void AssertDocumented(string function, string code, int status)
        {
            var codes = DocumentedCodes(Operation(document, functions[function], functions[function].Methods[0]));
            Assert.True(codes.TryGetValue(code, out var statuses), $"{function} does not document {code}");
            Assert.Equal([status], statuses);
        }

        AssertDocumented("Images", "upload_in_progress", 409);
        AssertDocumented("Images", "idempotency_key_reused", 422);
        AssertDocumented("Images", "upload_too_slow", 408);
        AssertDocumented("AdminUser", "erasure_incomplete", 503);
        AssertDocumented("Submit", "version_mismatch", 412);
    }

    [Fact]
    public async Task Schemas_name_properties_as_the_functions_write_them()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var client = App.ClientFor(Users.New("openapi"));

        // What the functions really answer: every property of the body is in its schema, spelled the same.
        var started = await client.PostAsync("/api/submission", null);
        var health = await App.CreateClient().GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        AssertDescribes(schemas, "Submission", JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement);
        AssertDescribes(schemas, "HealthReport", JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement);

        Assert.True(schemas.GetProperty("FormState").GetProperty("properties").TryGetProperty("projects", out _));
        var mismatch = schemas.GetProperty("VersionMismatchProblem").GetProperty("allOf");
        Assert.Equal("#/components/schemas/ProblemDetails", mismatch[0].GetProperty("$ref").GetString());
        Assert.Equal("#/components/schemas/Submission", mismatch[1].GetProperty("properties").GetProperty("current").GetProperty("$ref").GetString());
    }

    private static void AssertDescribes(JsonElement schemas, string name, JsonElement body)
    {
        var properties = schemas.GetProperty(name).GetProperty("properties");
        foreach (var property in body.EnumerateObject())
        {
            Assert.True(properties.TryGetProperty(property.Name, out _), $"{name} has no '{property.Name}' (the wire has it)");
        }

        Assert.Equal(body.EnumerateObject().Count(), properties.EnumerateObject().Count());
    }

    private static MethodInfo Middleware(string name) =>
        typeof(FunctionPolicy).Assembly.GetType("Checkup.Functions.Worker." + name, throwOnError: true)!.GetMethod("Invoke")!;

    [GeneratedRegex(@"\{\*?([A-Za-z0-9_]+)(?::[^}]*)?\??\}")]
    private static partial Regex RouteParameter();
}
