"""The supervised targets are learnable, but not trivially."""

import numpy as np
import pandas as pd
from scipy.sparse import hstack
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import Ridge
from sklearn.metrics import f1_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder

from urutiq_ai.demo import Ledger


def test_expense_category_classifier_reaches_but_does_not_saturate(ledger: Ledger) -> None:
    """TF-IDF of the description + one-hot vendor + random forest, random 20% test split."""
    expenses = ledger.expenses.assign(description=ledger.expenses["description"].fillna(""))
    train, test = train_test_split(expenses, test_size=0.2, random_state=0)
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2)
    vendor = OneHotEncoder(handle_unknown="ignore")
    x_train = hstack(
        [words.fit_transform(train["description"]), vendor.fit_transform(train[["vendorId"]])]
    ).tocsr()
    x_test = hstack(
        [words.transform(test["description"]), vendor.transform(test[["vendorId"]])]
    ).tocsr()
    model = RandomForestClassifier(n_estimators=200, random_state=0, n_jobs=2)
    predicted = model.fit(x_train, train["category"]).predict(x_test)
    macro_f1 = f1_score(test["category"], predicted, average="macro")
    print(f"expense classifier macro-F1={macro_f1:.3f}")  # noqa: T201
    assert 0.85 <= macro_f1 <= 0.97


def test_days_to_pay_is_learnable_and_noisy(ledger: Ledger) -> None:
    invoices = ledger.invoices.dropna(subset=["daysToPay"])
    features = pd.get_dummies(
        invoices[["segment", "customerId", "paymentTermsDays"]].assign(
            amountLog=np.log(invoices["amount"])
        ),
        columns=["segment", "customerId"],
    ).astype(float)
    x_train, x_test, y_train, y_test = train_test_split(
        features, invoices["daysToPay"], test_size=0.25, random_state=0
    )
    r2 = r2_score(y_test, Ridge(alpha=1.0).fit(x_train, y_train).predict(x_test))
    print(f"days-to-pay ridge R2={r2:.3f}")  # noqa: T201
    assert 0.3 < r2 < 0.9
